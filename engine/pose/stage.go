package pose

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Loader opens the model of a name (e.g. an ORT session of the provisioned
// .onnx). A returned Model that is an io.Closer is closed when replaced.
type Loader func(name string) (Model, error)

// Stage is the engine's pose stage: it follows Params.PoseModel (loading a model
// when the name changes, keeping the previous one if loading fails), applies the
// smoothing switch and the score thresholds, and produces PoseResults.
type Stage struct {
	load   Loader
	opt    Options
	logger *slog.Logger

	name   string
	model  Model
	est    *Estimator
	failed string // last name that failed to load, to log once
}

// NewStage returns a stage; no model is loaded until the first frame.
func NewStage(load Loader, o Options, logger *slog.Logger) *Stage {
	return &Stage{load: load, opt: o, logger: logger.With("component", "pose")}
}

// EstimatePose implements engine.PoseEstimator.
func (s *Stage) EstimatePose(ctx context.Context, f *engine.Frame, p *engine.Params) (*engine.PoseResult, error) {
	var lost []int
	if p.PoseModel != s.name && p.PoseModel != s.failed {
		l, err := s.switchModel(p.PoseModel)
		if err != nil {
			s.failed = p.PoseModel
			s.logger.Error("pose model not loaded; keeping the previous one", "model", p.PoseModel, "err", err)
		}
		lost = l
	}
	if s.est == nil {
		return nil, fmt.Errorf("pose model %q not loaded", p.PoseModel)
	}
	s.est.SetSmoothing(p.PoseSmoothing)
	people, l, err := s.est.Estimate(f.Image, f.Captured)
	if err != nil {
		return nil, err
	}
	r := &engine.PoseResult{
		Seq: f.Seq, Captured: f.Captured, Width: f.Width(), Height: f.Height(),
		People: people, Lost: append(lost, l...),
	}
	ApplyKeypointThreshold(r.People, float32(p.PoseMinScore))
	return r, nil
}

// Preload loads the named model now, so a missing model is an error at start-up.
func (s *Stage) Preload(name string) error {
	_, err := s.switchModel(name)
	return err
}

// switchModel loads name and replaces the current model; the IDs of the old
// model's people are returned as lost.
func (s *Stage) switchModel(name string) ([]int, error) {
	spec, err := LookupSpec(name)
	if err != nil {
		return nil, err
	}
	m, err := s.load(name)
	if err != nil {
		return nil, err
	}
	var lost []int
	if s.est != nil {
		lost = s.est.tracker.Reset()
		if s.est.present {
			lost = append(lost, 0)
		}
	}
	s.closeModel()
	s.name, s.model, s.failed = name, m, ""
	s.est = NewEstimator(spec, m, s.opt)
	s.logger.Info("pose model ready", "model", name, "input", spec.Input)
	return lost, nil
}

func (s *Stage) closeModel() {
	if c, ok := s.model.(io.Closer); ok {
		if err := c.Close(); err != nil {
			s.logger.Warn("closing pose model", "model", s.name, "err", err)
		}
	}
	s.model = nil
}

// Restart implements engine.Restarter: it closes the model so the next frame
// loads it again (a fresh ONNX Runtime session), and forgets a failed switch.
func (s *Stage) Restart() error {
	if s.name == "" {
		return nil
	}
	name := s.name
	s.closeModel()
	s.est, s.name, s.failed = nil, "", ""
	s.logger.Info("pose model closed for a restart; reloading on the next frame", "model", name)
	return nil
}

// Close releases the current model.
func (s *Stage) Close() error {
	s.closeModel()
	return nil
}

// ApplyKeypointThreshold sets the score of keypoints below min to 0, keeping
// their position, so receivers can test score > 0 for "visible".
func ApplyKeypointThreshold(people []engine.Person, min float32) {
	for i := range people {
		for j := range people[i].Keypoints {
			if people[i].Keypoints[j].Score < min {
				people[i].Keypoints[j].Score = 0
			}
		}
	}
}

package pose

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// closingModel counts Close calls.
type closingModel struct {
	fakeModel
	closed int
}

func (c *closingModel) Close() error { c.closed++; return nil }

func TestStageSwitchesModelsAndThresholds(t *testing.T) {
	models := map[string]*closingModel{}
	load := func(name string) (Model, error) {
		if name == "movenet-thunder" {
			return nil, errors.New("not provisioned")
		}
		m := &closingModel{fakeModel: fakeModel{infer: func(in []int32, h, w int) ([]float32, error) {
			out := singleOutput(0.5, 0.5, 0.9)
			out[2] = 0.1 // nose below the keypoint threshold
			if len(in) != h*w*3 {
				t.Errorf("input %d values for %dx%d", len(in), w, h)
			}
			if name == "movenet-multipose" {
				mp := make([]float32, 6*56)
				copy(mp, out)
				mp[55] = 0.8
				return mp, nil
			}
			return out, nil
		}}}
		models[name] = m
		return m, nil
	}
	s := NewStage(load, DefaultOptions(), slog.New(slog.DiscardHandler))
	p := engine.DefaultParams()
	f := &engine.Frame{Seq: 1, Captured: time.Unix(9, 0), Image: image.NewRGBA(image.Rect(0, 0, 32, 32))}
	r, err := s.EstimatePose(context.Background(), f, &p)
	if err != nil || len(r.People) != 1 || r.People[0].Keypoints[0].Score != 0 || r.People[0].Keypoints[1].Score != 0.9 {
		t.Fatalf("lightning result %+v err %v; want nose score zeroed by the 0.2 threshold", r, err)
	}
	// A model that fails to load keeps the previous one.
	p.PoseModel = "movenet-thunder"
	if r, err = s.EstimatePose(context.Background(), f, &p); err != nil || len(r.People) != 1 {
		t.Fatalf("after failed switch: %+v %v", r, err)
	}
	// A working switch closes the old model and reports the single-pose person lost.
	p.PoseModel = "movenet-multipose"
	r, err = s.EstimatePose(context.Background(), f, &p)
	if err != nil || models["movenet-lightning"].closed != 1 || len(r.Lost) != 1 || r.Lost[0] != 0 || r.People[0].ID != 1 {
		t.Fatalf("after switch: %+v err %v closed %d", r, err, models["movenet-lightning"].closed)
	}
	if err := s.Close(); err != nil || models["movenet-multipose"].closed != 1 {
		t.Fatalf("Close: %v, closed %d", err, models["movenet-multipose"].closed)
	}
	if err := s.Preload("posenet"); err == nil {
		t.Fatal("Preload of an unknown model succeeded")
	}
}

package engine

import "context"

// Parameters each built-in operator reads (ParamSpecs names).
var (
	PoseParams      = []string{"pose", "pose_model", "pose_min_score", "pose_smoothing"}
	DiffusionParams = []string{"diffusion", "strength", "steps", "seed", "guidance", "blend", "prompt", "negative", "preset", "preset_b"}
)

// PoseOperator runs a PoseEstimator as the "pose" operator: it reads the input stream
// while the pose switch is on, emits each *PoseResult as metadata and, when someone
// wants it, the input with the skeleton drawn over it on StreamPose.
func PoseOperator(est PoseEstimator) Operator { return &poseOperator{est: est} }

type poseOperator struct{ est PoseEstimator }

func (o *poseOperator) Spec() OperatorSpec {
	return OperatorSpec{Name: "pose", Input: StreamInput, Emits: []string{StreamPose}, Meta: true,
		Params: PoseParams, Enabled: func(p *Params) bool { return p.PoseEnabled }}
}

func (o *poseOperator) Process(ctx context.Context, f *Frame, p *Params, out Emitter) error {
	r, err := o.est.EstimatePose(ctx, f, p)
	if err != nil {
		return err
	}
	out.Meta(r)
	if out.Wants(StreamPose) {
		img := DrawPose(f.Image, r.People, float32(p.PoseMinScore))
		out.Frame(StreamPose, &Frame{Seq: f.Seq, Captured: f.Captured, Image: img})
	}
	return nil
}

// Restart implements Restarter when the estimator does.
func (o *poseOperator) Restart() error { return restart(o.est) }

// DiffusionOperator runs an ImageStage as the "diffusion" operator: input stream in,
// StreamDiffusion out, while the diffusion switch is on.
func DiffusionOperator(s ImageStage) Operator {
	return ImageOperator(OperatorSpec{Name: "diffusion", Input: StreamInput, Emits: []string{StreamDiffusion},
		Params: DiffusionParams, Enabled: func(p *Params) bool { return p.DiffusionEnabled }}, s)
}

// ImageOperator runs an ImageStage as an operator: each picture it produces is emitted on
// spec.Emits[0].
func ImageOperator(spec OperatorSpec, s ImageStage) Operator { return &imageOperator{spec: spec, s: s} }

type imageOperator struct {
	spec OperatorSpec
	s    ImageStage
}

func (o *imageOperator) Spec() OperatorSpec { return o.spec }

func (o *imageOperator) Process(ctx context.Context, f *Frame, p *Params, out Emitter) error {
	img, ok, err := o.s.Process(ctx, f, p)
	if err != nil {
		return err
	}
	if ok && img != nil && len(o.spec.Emits) > 0 {
		out.Frame(o.spec.Emits[0], img)
	}
	return nil
}

// Restart implements Restarter when the stage does.
func (o *imageOperator) Restart() error { return restart(o.s) }

func restart(v any) error {
	if r, ok := v.(Restarter); ok {
		return r.Restart()
	}
	return nil
}

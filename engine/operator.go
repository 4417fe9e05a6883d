package engine

import "context"

// Operator is one stage of the frame loop (pose, diffusion, segmentation, upscaling…).
// It declares what it reads and emits in its Spec; the loop gives it one runner (a
// newest-wins mailbox on its input stream, a meter, a supervisor with backoff) and routes
// what it emits to the frame sinks, the metadata sinks and the operators downstream.
// Process is called from the operator's own goroutine only.
type Operator interface {
	Spec() OperatorSpec
	// Process handles one frame of the input stream with the parameter snapshot that frame
	// was taken with. What it hands to out is delivered after it returns; emitting nothing
	// is "no output for this frame" (e.g. steps·strength < 1), which is not an error.
	Process(ctx context.Context, in *Frame, p *Params, out Emitter) error
}

// OperatorSpec is what an operator declares to the loop.
type OperatorSpec struct {
	Name  string   // unique: the stage's name in stats, logs and the status page
	Input string   // the stream it reads (StreamInput, or a stream another operator emits)
	Side  []string // streams whose newest frame it also wants (SideInput); optional, may be absent
	Emits []string // frame streams it may emit; unique across the loop
	Meta  bool     // it emits metadata (pose results, mask summaries) for the MetaSinks
	// Params are the parameters (ParamSpecs names) it reads.
	Params []string
	// Enabled, when set, says per snapshot whether the operator runs at all (the pose and
	// diffusion switches); frames of a disabled operator are not queued.
	Enabled func(p *Params) bool
}

// Emitter collects what an operator makes of one frame.
type Emitter interface {
	// Wants reports whether anyone (a frame sink or an operator downstream) takes stream,
	// so an operator can skip building a picture nobody looks at.
	Wants(stream string) bool
	// Frame emits f on stream (one of the operator's Emits). f must not change afterwards.
	Frame(stream string, f *Frame)
	// Meta emits a metadata value (e.g. *PoseResult) for the MetaSinks.
	Meta(v any)
}

// SideInput is implemented by operators with Side streams: the loop hands them the newest
// frame of each, from the producing operator's goroutine. It must not block.
type SideInput interface {
	SetSide(stream string, f *Frame)
}

// MetaSink receives every metadata value operators emit, with the operator's name (e.g. the
// OSC pose output takes "pose" results). Same rules as FrameSink: safe for several
// goroutines and never blocking.
type MetaSink interface {
	WriteMeta(op string, v any)
}

// PoseMeta adapts a PoseSink to a MetaSink: it forwards *PoseResult values.
func PoseMeta(s PoseSink) MetaSink { return poseMeta{s} }

type poseMeta struct{ s PoseSink }

func (m poseMeta) WriteMeta(_ string, v any) {
	if r, ok := v.(*PoseResult); ok {
		m.s.WritePose(r)
	}
}

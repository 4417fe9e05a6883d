package telemetry

import "github.com/vivid-ml/vivid-ml-engine/engine"

// Sink observes frames and pose results as they reach the outputs: it feeds the
// per-stream latency histograms and the health beats. It never blocks.
type Sink struct {
	M *Metrics
	H *Health
}

// WantsStream implements engine.StreamFilter: the pose overlay is never drawn for telemetry.
func (s Sink) WantsStream(stream string) bool { return stream != engine.StreamPose }

// WriteFrame implements engine.FrameSink.
func (s Sink) WriteFrame(stream string, f *engine.Frame) {
	if s.M != nil {
		s.M.ObserveFrame(stream, f.Captured)
	}
	if s.H != nil {
		s.H.Beat(stream)
	}
}

// WritePose implements engine.PoseSink.
func (s Sink) WritePose(r *engine.PoseResult) {
	if s.M != nil {
		s.M.ObserveFrame("pose", r.Captured)
	}
	if s.H != nil {
		s.H.Beat("pose")
	}
}

// WriteMeta implements engine.MetaSink: pose results count as the "pose" stage's beat
// (other operators' metadata is not a health signal).
func (s Sink) WriteMeta(_ string, v any) {
	if r, ok := v.(*engine.PoseResult); ok {
		s.WritePose(r)
	}
}

package engine

import "context"

// Stream names a picture stream that outputs can subscribe to.
const (
	StreamInput     = "input"     // frames as captured
	StreamPose      = "pose"      // input with the pose skeleton drawn over it
	StreamDiffusion = "diffusion" // img2img output
)

// FrameSink receives pictures of one or more streams. WriteFrame must not block the
// frame loop: a sink that needs time copies or drops (newest wins) and counts drops.
// The frame is shared and must not be modified.
type FrameSink interface {
	WriteFrame(stream string, f *Frame)
}

// PoseSink receives every pose result (e.g. the OSC pose output). Same rules as FrameSink.
type PoseSink interface {
	WritePose(r *PoseResult)
}

// ImageStage turns a frame into a new frame (the diffusion stage). It reads the
// parameter snapshot it is given and nothing else. ok=false means "no new picture
// for this frame" (e.g. paused or steps·strength < 1), which is not an error.
type ImageStage interface {
	Process(ctx context.Context, f *Frame, p *Params) (out *Frame, ok bool, err error)
}

package engine

import "time"

// KeypointNames are MoveNet's 17 keypoints in model order (COCO order).
var KeypointNames = [17]string{
	"nose", "left_eye", "right_eye", "left_ear", "right_ear",
	"left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
	"left_wrist", "right_wrist", "left_hip", "right_hip",
	"left_knee", "right_knee", "left_ankle", "right_ankle",
}

// Keypoint is a point in normalized source coordinates: 0..1, origin top-left.
type Keypoint struct {
	X, Y, Score float32
}

// Person is one detected body.
type Person struct {
	ID        int          // stable across frames (tracker); 0 for single-pose models
	Score     float32      // person score (mean keypoint score for single pose)
	Box       [4]float32   // x0, y0, x1, y1, normalized
	Keypoints [17]Keypoint // in KeypointNames order
}

// PoseResult is the pose stage's output for one frame.
type PoseResult struct {
	Seq      uint64
	Captured time.Time
	Width    int
	Height   int
	People   []Person
	Lost     []int // IDs of people who disappeared in this frame
}

package tests

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runVivid runs `run --offline ARGS` under the harness to completion and returns its log.
func runVivid(t *testing.T, stdin io.Reader, args ...string) (string, error) {
	t.Helper()
	cmd := engine(withFreeListeners(append([]string{"run", "--offline"}, args...))...)
	cmd.Stdin = stdin
	p := startCmd(t, cmd)
	err := p.wait(t, 2*time.Minute)
	return p.String(), err
}

// TestRunTestPatternToOSCDump: the embedded default (test pattern → Lightning → OSC)
// with oscdump from liblo-tools as the receiver.
func TestRunTestPatternToOSCDump(t *testing.T) {
	needPoseModels(t, "movenet-lightning")
	d := startOSCDump(t)
	stderr, err := runVivid(t, nil, "--osc-out", d.target(), "--frames", "20")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "port="+d.target()[len("127.0.0.1:"):]) {
		t.Errorf("no log line saying where to listen:\n%s", stderr)
	}
	frames := checkSchema(t, d.stop())
	if len(frames) == 0 {
		t.Fatalf("oscdump received no /pose/frame\n%s", stderr)
	}
	seen := 0
	for _, f := range frames {
		for id := range f.IDs {
			if id != 0 {
				t.Fatalf("single-pose person id %d; want 0", id)
			}
			seen++
		}
	}
	if seen == 0 {
		t.Fatalf("the test pattern figure was never detected in %d frames", len(frames))
	}
	t.Logf("%d frames, person in %d", len(frames), seen)
}

// TestRunImageFolderMultiPoseStableIDs loops a folder of frames through MultiPose:
// the figure keeps one tracker ID across the whole looped clip.
func TestRunImageFolderMultiPoseStableIDs(t *testing.T) {
	needPoseModels(t, "movenet-multipose")
	dir := tempPNGDir(t, 6, 320, 240, 0.1)
	d := startOSCDump(t)
	stderr, err := runVivid(t, nil, "--source", dir, "--pose-model", "movenet-multipose", "--osc-out", d.target(), "--frames", "30")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	frames := checkSchema(t, d.stop())
	ids := map[int]int{}
	for _, f := range frames {
		best, bestScore := -1, -1.0
		for id, s := range f.Scores {
			if s > bestScore {
				best, bestScore = id, s
			}
		}
		if best >= 0 {
			ids[best]++
		}
	}
	if len(ids) != 1 || ids[1] < len(frames)/2 {
		t.Fatalf("main person IDs over %d frames: %v; want only id 1", len(frames), ids)
	}
}

// TestRunVideoClip plays a short clip made with ffmpeg (looped by the engine).
func TestRunVideoClip(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	needPoseModels(t, "movenet-lightning")
	dir := tempPNGDir(t, 5, 320, 240, 0.1)
	clip := filepath.Join(t.TempDir(), "clip.mkv")
	if out, err := exec.Command(ffmpeg, "-loglevel", "error", "-framerate", "10", "-pattern_type", "glob", "-i", filepath.Join(dir, "*.png"),
		"-c:v", "ffv1", clip).CombinedOutput(); err != nil {
		t.Fatalf("making clip: %v\n%s", err, out)
	}
	d := startOSCDump(t)
	stderr, err := runVivid(t, nil, "--source", clip, "--osc-out", d.target(), "--frames", "12")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	frames := checkSchema(t, d.stop())
	people := 0
	for _, f := range frames {
		people += f.People
	}
	if len(frames) == 0 || people == 0 {
		t.Fatalf("%d frames, %d people from the clip\n%s", len(frames), people, stderr)
	}
	if strings.Contains(stderr, "source failed") {
		t.Fatalf("clip source failed:\n%s", stderr)
	}
}

// TestRunStdinFrames feeds raw RGBA frames on stdin; the run ends with the input.
func TestRunStdinFrames(t *testing.T) {
	needPoseModels(t, "movenet-lightning")
	d := startOSCDump(t)
	frames := bytes.Repeat([]byte{90, 60, 30, 255}, 64*48*3)
	stderr, err := runVivid(t, bytes.NewReader(frames), "--source", "stdin:64x48", "--osc-out", d.target())
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if got := checkSchema(t, d.stop()); len(got) == 0 {
		t.Fatalf("no OSC frame from stdin frames\n%s", stderr)
	}
	if !strings.Contains(stderr, "source ended; stopping after the frames in flight") {
		t.Fatalf("end of stdin not reported:\n%s", stderr)
	}
}

// TestRunErrors: clear errors for a missing video file, a bad config key and a bad target.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(cfg, []byte("pose:\n  model: movenet-lightning\n  smoothnig: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.mp4")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing video", []string{"--source", missing}, `vivid-ml-engine run: source "` + missing + `": stat ` + missing + ": no such file or directory"},
		{"unknown config key", []string{"--config", cfg}, "vivid-ml-engine run: config " + cfg + ": config: line 3, column 3: field smoothnig not found in type conf.Pose"},
		{"bad osc target", []string{"--osc-out", "nohost"}, `vivid-ml-engine run: --osc-out "nohost": want HOST:PORT`},
		{"bad source spec", []string{"--source", "stdin:axb"}, `vivid-ml-engine run: bad source spec "stdin:axb": size "axb": want WxH with sides 1..16384`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr, err := runVivid(t, nil, tt.args...)
			if err == nil || !strings.Contains(stderr, tt.want) {
				t.Fatalf("err %v; stderr:\n%s\nwant %q", err, stderr, tt.want)
			}
		})
	}
}

// TestRunFFmpegMissingRestartsAndStops: with ffmpeg gone from PATH the source
// failure is reported and retried while the engine stays up; SIGINT stops it cleanly.
func TestRunFFmpegMissingRestartsAndStops(t *testing.T) {
	needPoseModels(t, "movenet-lightning")
	cmd := engine(withFreeListeners([]string{"run", "--offline", "--source", "ffmpeg:-f lavfi -i testsrc"})...)
	cmd.Env = append(os.Environ(), "PATH=")
	p := startCmd(t, cmd)
	const restart = "ffmpeg not found on PATH"
	for i := 0; i < 2; i++ {
		p.waitMatch(t, p.mark(), regexp.MustCompile(`source failed; restarting.*`+restart), time.Minute)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, p)
	}
}

package tests

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestRunRecord: `run --frames 30 --record out.mp4` records the input stream through
// ffmpeg and finalises the file when run stops; ffprobe reads it back.
func TestRunRecord(t *testing.T) {
	needTool(t, "ffmpeg")
	ffprobe := needTool(t, "ffprobe")
	out := filepath.Join(t.TempDir(), "out.mp4")
	logs := mustRun(t, nil, "run", "--frames", "30", "--record", out, "--record-stream", "input")
	probe, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", out).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, logs)
	}
	var p struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Width  int    `json:"width"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(probe, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe output %s: %v", probe, err)
	}
	n, _ := strconv.Atoi(p.Streams[0].Frames)
	if n < 1 || n > 30 || p.Streams[0].Width == 0 || (p.Streams[0].Codec != "h264" && p.Streams[0].Codec != "mpeg4") {
		t.Fatalf("recording: %s", probe)
	}
	t.Logf("recorded %d of 30 frames: %s", n, probe)
}

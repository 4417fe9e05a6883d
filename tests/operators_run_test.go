package tests

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
)

// TestRunSegmentShmAndOSC: `run --segment` on the real photo publishes the mask stream to
// shared memory; `shm read` gets a frame equal (±2 levels) to the matte alpha computed from
// the TFJS mask with the default threshold 0.5 and feather 0.1 (the photo is a still, so the
// temporal smoothing of identical masks changes nothing), and the OSC summary arrives with the
// TFJS coverage.
func TestRunSegmentShmAndOSC(t *testing.T) {
	node, rig := tfjsRig(t)
	shmDir(t)
	dir := t.TempDir()
	photo := realPhoto(t)
	rgb, w, h := photoRGB(t, dir, photo)
	ref := filepath.Join(dir, "ref.f32")
	cmd := exec.Command(node, filepath.Join(rig, "pipeline.mjs"), "segment", tfjsModelPath(t, "selfie"), rgb,
		strconv.Itoa(w), strconv.Itoa(h), ref)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tfjs pipeline: %v\n%s", err, b)
	}
	want := readFloat32s(t, ref)
	alpha := make([]float32, len(want))
	segment.Alpha(alpha, want, 0.5, 0.1)
	sum := segment.Summarize(want, alpha, w, h, 0.5)

	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	port := udp.LocalAddr().(*net.UDPAddr).Port
	run := startEngine(t, "run", "--offline", "--source", photo, "--segment", "--shm-out", "segmask:mask",
		"--osc-out", "127.0.0.1:"+strconv.Itoa(port))

	out := filepath.Join(dir, "mask.png")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if !run.running() {
			t.Fatalf("run exited early")
		}
		if err := engine("shm", "read", "segmask", "--out", out).Run(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mask frame in shared memory")
		}
		time.Sleep(200 * time.Millisecond)
	}
	gray, b := readPNGChannel(t, out, 0)
	if b.Dx() != w || b.Dy() != h {
		t.Fatalf("mask frame is %v, want %dx%d", b, w, h)
	}
	worst := 0
	for i, v := range gray {
		worst = max(worst, int(math.Abs(float64(v)-math.Round(float64(alpha[i])*255))))
	}
	if worst > 2 {
		t.Errorf("shm mask differs from the TFJS matte alpha by %d levels", worst)
	}

	coverage, box := readSegmentOSC(t, udp)
	if math.Abs(float64(coverage-sum.Coverage)) > 0.01 {
		t.Errorf("OSC coverage %.4f, TFJS %.4f", coverage, sum.Coverage)
	}
	for i := range box {
		if math.Abs(float64(box[i]-sum.Box[i])) > 0.02 {
			t.Errorf("OSC box %v, TFJS %v", box, sum.Box)
			break
		}
	}
	t.Logf("shm mask vs TFJS alpha: max %d level(s); OSC coverage %.4f (TFJS %.4f), box %v (TFJS %v)",
		worst, coverage, sum.Coverage, box, sum.Box)
}

// readSegmentOSC waits for one /segment bundle and returns its coverage and box.
func readSegmentOSC(t *testing.T, c *net.UDPConn) (float32, [4]float32) {
	t.Helper()
	buf := make([]byte, 2048)
	for range 50 {
		if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no OSC from run --segment: %v", err)
		}
		p := buf[:n]
		if !bytes.HasPrefix(p, []byte("#bundle\x00")) {
			continue
		}
		var cov float32
		var box [4]float32
		got := 0
		for off := 16; off+4 <= len(p); {
			size := int(binary.BigEndian.Uint32(p[off:]))
			if size < 0 || off+4+size > len(p) {
				break
			}
			msg := p[off+4 : off+4+size]
			off += 4 + size
			floats := func(k int) []float32 {
				v := make([]float32, k)
				for i := range v {
					v[i] = math.Float32frombits(binary.BigEndian.Uint32(msg[len(msg)-4*(k-i):]))
				}
				return v
			}
			switch {
			case bytes.HasPrefix(msg, []byte("/segment/coverage\x00")):
				cov, got = floats(1)[0], got+1
			case bytes.HasPrefix(msg, []byte("/segment/box\x00")):
				copy(box[:], floats(4))
				got++
			}
		}
		if got == 2 {
			return cov, box
		}
	}
	t.Fatal("no /segment bundle among 50 packets")
	return 0, [4]float32{}
}

// TestRunUpscaleDiffusion: `run --diffusion-model … --upscale 2` doubles the diffusion stream
// (tiny random-weight SDXL, 64² → 128² through esrgan-slim-x2), seen in the recording.
func TestRunUpscaleDiffusion(t *testing.T) {
	needTool(t, "ffmpeg")
	ffprobe := needTool(t, "ffprobe")
	dir := t.TempDir()
	models := filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", models))
	cfg := filepath.Join(dir, "cfg.yaml")
	yaml := "source:\n  spec: testpattern\n  width: 64\n  height: 64\n  fps: 10\npose:\n  enabled: false\nosc_out:\n  targets: []\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "out.mp4")
	cmd := diffusionEngine("run", "--offline", "--osc-in", "127.0.0.1:0", "--config", cfg, "--frames", "5", "--diffusion-model", models, "--diffusion-size", "64",
		"--diffusion-threads", "1", "--upscale", "2", "--record", rec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), `msg="upscaling the diffusion stream" model=esrgan-slim-x2`) {
		t.Fatalf("no upscaling stage in the log:\n%s", stderr.String())
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames,width,height", "-of", "json", rec).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var probe struct {
		Streams []struct {
			Width, Height int
			Frames        string `json:"nb_read_frames"`
		}
	}
	if err := json.Unmarshal(out, &probe); err != nil || len(probe.Streams) != 1 {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	if s := probe.Streams[0]; s.Width != 128 || s.Height != 128 || s.Frames == "0" || s.Frames == "" {
		t.Fatalf("recording %+v, want ≥ 1 frame of 128×128", s)
	}
}

// TestRunUpscaleAnyStream: `--upscale 2 --upscale-stream input` upscales the input stream with
// no diffusion model, onto the upscale stream that the recording takes by default (the upscaler
// reads the picture chain's end: input); with --record-stream input the recording keeps 64².
func TestRunUpscaleAnyStream(t *testing.T) {
	needTool(t, "ffmpeg")
	ffprobe := needTool(t, "ffprobe")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cfg.yaml")
	yaml := "source:\n  spec: testpattern\n  width: 64\n  height: 64\n  fps: 10\npose:\n  enabled: false\nosc_out:\n  targets: []\n" +
		"operators:\n  threads: 1\n  upscale: {scale: 2, stream: input}\n" // the flags below come from the config
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		side int
	}{
		{"default stream", nil, 128},
		{"input stream", []string{"--record-stream", "input"}, 64},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := filepath.Join(t.TempDir(), "out.mp4")
			args := append([]string{"run", "--offline", "--osc-in", "127.0.0.1:0", "--config", cfg, "--frames", "5", "--record", rec}, c.args...)
			cmd := engine(args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), `msg="upscaling the input stream" model=esrgan-slim-x2`) {
				t.Fatalf("no upscaling operator on the input stream in the log:\n%s", stderr.String())
			}
			out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v:0",
				"-show_entries", "stream=width,height", "-of", "csv=p=0", rec).Output()
			if err != nil {
				t.Fatalf("ffprobe: %v", err)
			}
			if got, want := strings.TrimSpace(string(out)), fmt.Sprintf("%d,%d", c.side, c.side); got != want {
				t.Fatalf("recording is %s, want %s", got, want)
			}
		})
	}
}

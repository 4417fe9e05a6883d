package tests

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vivid "github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
)

// poseLine mirrors one `pose --json` line.
type poseLine struct {
	Image  string `json:"image"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	People []struct {
		ID        int        `json:"id"`
		Score     float64    `json:"score"`
		Box       [4]float64 `json:"box"`
		Keypoints []struct {
			Name  string  `json:"name"`
			X     float64 `json:"x"`
			Y     float64 `json:"y"`
			Score float64 `json:"score"`
		} `json:"keypoints"`
	} `json:"people"`
}

func runPose(t *testing.T, args ...string) ([]poseLine, string, error) {
	t.Helper()
	out, errb, err := runCLI(t, 5*time.Minute, engine(append([]string{"pose", "--offline", "--log-level", "warn"}, args...)...))
	stdout, stderr := bytes.NewBuffer(out), bytes.NewBuffer(errb)
	var lines []poseLine
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var l poseLine
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines, stderr.String(), err
}

// TestPoseJSONMatchesTFJS runs `pose --json` on model-input-sized images and the
// same pixels through the TFJS graph model (tests/tfjs/ref.mjs, WASM backend):
// keypoints must be the model's own output within 1e-3.
func TestPoseJSONMatchesTFJS(t *testing.T) {
	node, rig := tfjsRig(t)
	for _, m := range []struct {
		name string
		side int
	}{{"movenet-lightning", 192}, {"movenet-thunder", 256}, {"movenet-multipose", 256}} {
		t.Run(m.name, func(t *testing.T) {
			needPoseModels(t, m.name)
			modelJSON := tfjsModelPath(t, m.name)
			dir := t.TempDir()
			type tcase struct {
				File  string  `json:"file"`
				Shape []int64 `json:"shape"`
			}
			var cases []tcase
			var images []string
			for i, s := range []float64{0.3, 1.1, 2.7} {
				png := filepath.Join(dir, fmt.Sprintf("img%d.png", i))
				writeTestPattern(t, png, m.side, m.side, s)
				images = append(images, png)
				img, err := vivid.LoadImage(png)
				if err != nil {
					t.Fatal(err)
				}
				raw := make([]byte, 0, m.side*m.side*3*4)
				for p := 0; p < len(img.Pix); p += 4 {
					for c := 0; c < 3; c++ {
						raw = binary.LittleEndian.AppendUint32(raw, uint32(img.Pix[p+c]))
					}
				}
				name := fmt.Sprintf("img%d.bin", i)
				if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
					t.Fatal(err)
				}
				cases = append(cases, tcase{File: name, Shape: []int64{1, int64(m.side), int64(m.side), 3}})
			}
			cj, _ := json.Marshal(cases)
			if err := os.WriteFile(filepath.Join(dir, "cases.json"), cj, 0o644); err != nil {
				t.Fatal(err)
			}
			outDir := filepath.Join(dir, "tfjs-out")
			if out, err := exec.Command(node, filepath.Join(rig, "ref.mjs"), modelJSON, filepath.Join(dir, "cases.json"), outDir).CombinedOutput(); err != nil {
				t.Fatalf("tfjs reference: %v\n%s", err, out)
			}
			lines, stderr, err := runPose(t, append([]string{"--model", m.name, "--json"}, images...)...)
			if err != nil {
				t.Fatalf("pose: %v\n%s", err, stderr)
			}
			if len(lines) != len(images) {
				t.Fatalf("%d JSON lines for %d images", len(lines), len(images))
			}
			worst := 0.0
			for i, l := range lines {
				out := readFloat32s(t, filepath.Join(outDir, cases[i].File+".out"))
				// Model instances the engine should report: single pose has one; MultiPose
				// lists 6 × 56 values and the engine keeps those with box score >= 0.25, in order.
				var insts [][]float32
				if len(out) == 51 {
					insts = append(insts, out)
				} else {
					for k := 0; k+56 <= len(out); k += 56 {
						if out[k+55] >= 0.25 {
							insts = append(insts, out[k:k+56])
						}
					}
				}
				if len(l.People) != len(insts) || len(insts) == 0 {
					t.Fatalf("%s: %d people; tfjs output has %d (want >= 1)", l.Image, len(l.People), len(insts))
				}
				for n, want := range insts {
					p := l.People[n]
					check := func(what string, got float64, w float32) {
						d := math.Abs(got - float64(w))
						worst = max(worst, d)
						if d > 1e-3 {
							t.Errorf("%s person %d %s: engine %v, tfjs %v", l.Image, n, what, got, w)
						}
					}
					for k, kp := range p.Keypoints {
						check(kp.Name+".y", kp.Y, want[k*3])
						check(kp.Name+".x", kp.X, want[k*3+1])
						check(kp.Name+".score", kp.Score, want[k*3+2])
					}
					if len(want) == 56 {
						check("box.x0", p.Box[0], want[52])
						check("box.y0", p.Box[1], want[51])
						check("box.x1", p.Box[2], want[54])
						check("box.y1", p.Box[3], want[53])
						check("score", p.Score, want[55])
					}
				}
			}
			t.Logf("largest difference to TFJS: %.3g", worst)
		})
	}
}

// TestPoseJSONSchemaAndErrors checks the JSON line layout on a frame of another
// size and that unreadable images are reported while the others are processed.
func TestPoseJSONSchemaAndErrors(t *testing.T) {
	needPoseModels(t, "movenet-lightning", "movenet-multipose")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.png")
	writeTestPattern(t, good, 640, 480, 0.5)
	corrupt := filepath.Join(dir, "corrupt.png")
	if err := os.WriteFile(corrupt, []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.jpg")
	huge := filepath.Join(dir, "huge.png") // 20000×20000 RGBA would take 1.6 GB to decode
	writePNGHeader(t, huge, 20000, 20000)
	lines, stderr, err := runPose(t, "--json", corrupt, good, missing, huge)
	if err == nil {
		t.Fatal("pose with unreadable images exited 0")
	}
	for _, want := range []string{
		"load image " + corrupt + ": image: unknown format",
		"load image: open " + missing + ": no such file or directory",
		"load image " + huge + ": image too large: 20000x20000 (at most 40000000 pixels, 16384 a side)",
		"some images could not be read",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if len(lines) != 1 || lines[0].Image != good || lines[0].Width != 640 || lines[0].Height != 480 {
		t.Fatalf("lines %+v; want one for %s 640x480", lines, good)
	}
	if len(lines[0].People) != 1 || lines[0].People[0].ID != 0 {
		t.Fatalf("people %+v; want one with id 0", lines[0].People)
	}
	p := lines[0].People[0]
	if len(p.Keypoints) != 17 {
		t.Fatalf("%d keypoints", len(p.Keypoints))
	}
	for i, k := range p.Keypoints {
		if k.Name != vivid.KeypointNames[i] || k.X < 0 || k.X > 1 || k.Y < 0 || k.Y > 1 {
			t.Fatalf("keypoint %d = %+v", i, k)
		}
	}
	// MultiPose on the same picture: tracker IDs start at 1.
	lines, stderr, err = runPose(t, "--model", "movenet-multipose", good)
	if err != nil || len(lines) != 1 || len(lines[0].People) < 1 || lines[0].People[0].ID != 1 {
		t.Fatalf("multipose: %v %+v\n%s", err, lines, stderr)
	}
}

// resampleScript computes tfjs cropAndResize (bilinear, extrapolation 0) and
// resizeBilinear + pad on the WASM backend, as the tfjs MoveNet detector does.
const resampleScript = `
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
setWasmPaths(path.join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
await tf.setBackend('wasm');
await tf.ready();
const job = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const raw = fs.readFileSync(job.image);
const img = tf.tensor4d(Int32Array.from(raw), [1, job.h, job.w, 3], 'int32');
for (const c of job.crops) {
  const out = tf.cast(tf.image.cropAndResize(img, tf.tensor2d([c.box]), tf.zeros([1], 'int32'), [c.size, c.size], 'bilinear', 0), 'int32');
  fs.writeFileSync(c.out, Buffer.from(out.dataSync().buffer));
}
for (const r of job.resizes) {
  const rs = tf.image.resizeBilinear(img, [r.rh, r.rw]);
  const padded = tf.pad(rs, [[0, 0], [0, r.ph - r.rh], [0, r.pw - r.rw], [0, 0]]);
  const out = tf.cast(padded, 'int32');
  fs.writeFileSync(r.out, Buffer.from(out.dataSync().buffer));
}
`

// TestResampleMatchesTFJS checks the engine's smart-crop sampling and MultiPose
// resize+pad against tf.image.cropAndResize / resizeBilinear on a 640x480 frame.
func TestResampleMatchesTFJS(t *testing.T) {
	node, rig := tfjsRig(t)
	dir := t.TempDir()
	const w, h = 640, 480
	img := vivid.DrawTestPattern(w, h, 0.7)
	for i := 0; i < len(img.Pix); i += 4 { // add texture so interpolation errors show
		img.Pix[i] ^= uint8(i * 31)
	}
	raw := make([]byte, 0, w*h*3)
	for i := 0; i < len(img.Pix); i += 4 {
		raw = append(raw, img.Pix[i:i+3]...)
	}
	if err := os.WriteFile(filepath.Join(dir, "img.rgb"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	type crop struct {
		Box  [4]float64 `json:"box"`
		Size int        `json:"size"`
		Out  string     `json:"out"`
	}
	type resize struct {
		RH  int    `json:"rh"`
		RW  int    `json:"rw"`
		PH  int    `json:"ph"`
		PW  int    `json:"pw"`
		Out string `json:"out"`
	}
	boxes := []pose.Box{pose.InitCropRegion(true, w, h), pose.InitCropRegion(false, w, h), {YMin: 0.12, XMin: 0.31, YMax: 0.77, XMax: 0.8}}
	var crops []crop
	for i, b := range boxes {
		crops = append(crops, crop{Box: [4]float64{b.YMin, b.XMin, b.YMax, b.XMax}, Size: 192, Out: filepath.Join(dir, fmt.Sprintf("crop%d.i32", i))})
	}
	resizes := []resize{{RH: 192, RW: 256, PH: 192, PW: 256, Out: filepath.Join(dir, "r0.i32")}, {RH: 144, RW: 256, PH: 160, PW: 256, Out: filepath.Join(dir, "r1.i32")}}
	job, _ := json.Marshal(map[string]any{"image": filepath.Join(dir, "img.rgb"), "w": w, "h": h, "crops": crops, "resizes": resizes})
	jobPath := filepath.Join(dir, "job.json")
	if err := os.WriteFile(jobPath, job, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "--input-type=module", "-e", resampleScript, jobPath)
	cmd.Dir = rig
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tfjs: %v\n%s", err, out)
	}
	compare := func(name string, got []int32, file string) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != len(got)*4 {
			t.Fatalf("%s: tfjs %d values, engine %d", name, len(data)/4, len(got))
		}
		diff := 0
		for i, g := range got {
			want := int32(binary.LittleEndian.Uint32(data[i*4:]))
			if g != want {
				diff++
				if diff < 5 {
					t.Errorf("%s: value %d = %d; tfjs %d", name, i, g, want)
				}
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d of %d values differ from tfjs", name, diff, len(got))
		}
	}
	for i, c := range crops {
		got := make([]int32, 192*192*3)
		pose.CropAndResize(img, boxes[i], 192, 192, got)
		compare(fmt.Sprintf("crop %v", c.Box), got, c.Out)
	}
	for _, r := range resizes {
		got := make([]int32, r.PH*r.PW*3)
		pose.ResizePad(img, r.RH, r.RW, r.PH, r.PW, got)
		compare(fmt.Sprintf("resize %dx%d pad %dx%d", r.RW, r.RH, r.PW, r.PH), got, r.Out)
	}
}

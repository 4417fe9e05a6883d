package xla_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// TestGPUCheck is the H200 check (scripts/gpu/xla-check.sh runs it): every model
// listed in $XLA_CHECK_MODELS (name=path,…) runs on $XLA_CHECK_BACKEND (default xla)
// with deterministic inputs; inputs and outputs go to $XLA_CHECK_WORK/<name>/ for the
// ORT-CPU comparison (scripts/gpu/ort_ref.py), and one JSON line per measurement goes
// to stdout. $XLA_CHECK_PIPELINE=dir also times the img2img pipeline on that folder.
// The backend is built as the app builds it, so $VIVID_XLA_CONV picks the conv layout
// (the "backend" line reports it as conv_layout).
func TestGPUCheck(t *testing.T) {
	work := os.Getenv("XLA_CHECK_WORK")
	if work == "" {
		t.Skip("XLA_CHECK_WORK not set (the GPU check)")
	}
	kind := envOr("XLA_CHECK_BACKEND", "xla")
	start := time.Now()
	var b infer.Backend
	if kind == "ort" { // the reference, computed where ONNX Runtime is
		b = ortBackend(t)
	} else {
		xb, err := xla.New(xla.Config{Kind: kind, Plugin: os.Getenv("XLA_CHECK_PLUGIN")})
		if err != nil {
			emit(map[string]any{"measure": "backend", "backend": kind, "error": err.Error()})
			t.Fatal(err)
		}
		defer xb.Close()
		b = xb
		emit(map[string]any{"measure": "backend", "backend": kind, "provider": xb.Provider(), "conv_layout": xb.ConvLayout(),
			"start_ms": ms(time.Since(start))})
	}
	if dir := os.Getenv("XLA_CHECK_PIPELINE"); dir != "" {
		checkPipeline(b, dir)
	}
	for _, spec := range splitList(os.Getenv("XLA_CHECK_MODELS")) {
		name, path, _ := strings.Cut(spec, "=")
		prefix := "xla" // the go backend stands in for xla when the check is tried on a CPU
		if kind == "ort" {
			prefix = "ort"
		}
		if err := checkModel(b, prefix, work, name, path); err != nil {
			emit(map[string]any{"measure": "model", "model": name, "error": err.Error()})
			t.Errorf("%s: %v", name, err)
		}
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

func emit(v map[string]any) {
	v["time"] = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

// checkInputs builds deterministic inputs for a model from its declared inputs:
// SDXL names get SDXL values at 512² (latents 64²), MoveNet a 0–255 frame.
func checkInputs(ios []infer.IO, image, latent int64) ([]*infer.Tensor, error) {
	r := rand.New(rand.NewPCG(12, 34))
	var out []*infer.Tensor
	for _, io := range ios {
		shape := append([]int64{}, io.Shape...)
		fill := func(i int, d int64) {
			if shape[i] < 0 {
				shape[i] = d
			}
		}
		switch {
		case io.Name == "input_ids":
			fill(0, 1)
			fill(1, 77)
		case io.Name == "timestep":
			for i := range shape {
				fill(i, 1)
			}
		case io.Name == "encoder_hidden_states":
			fill(0, 1)
			fill(1, 77)
		case len(shape) == 4 && io.Elem == infer.Int32: // MoveNet NHWC frame
			fill(0, 1)
			fill(1, 256)
			fill(2, 256)
		case len(shape) == 4 && shape[3] == 3: // NHWC float frame (segmentation, ESRGAN)
			fill(0, 1)
			fill(1, 128)
			fill(2, 128)
		case len(shape) == 4:
			fill(0, 1)
			side := latent
			if shape[1] == 3 {
				side = image
			}
			fill(2, side)
			fill(3, side)
		default:
			for i := range shape {
				fill(i, 1)
			}
		}
		t, err := infer.NewTensor(io.Elem, shape...)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", io.Name, err)
		}
		for i := range t.Len() {
			switch {
			case io.Name == "timestep":
				setVal(t, i, 999)
			case io.Name == "time_ids":
				setVal(t, i, []float64{float64(image), float64(image), 0, 0, float64(image), float64(image)}[i%6])
			case io.Name == "input_ids":
				setVal(t, i, float64(r.IntN(49406)))
			case io.Elem == infer.Int32 || io.Elem == infer.Uint8:
				setVal(t, i, float64(r.IntN(256)))
			default:
				setVal(t, i, r.NormFloat64()*0.5)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func setVal(t *infer.Tensor, i int, v float64) {
	switch t.Elem {
	case infer.Float32, infer.Float16:
		t.SetFloats(i, []float32{float32(v)})
	case infer.Int32:
		t.I32[i] = int32(v)
	case infer.Int64:
		t.I64[i] = int64(v)
	case infer.Uint8:
		t.U8[i] = uint8(v)
	}
}

// ioRecord is one tensor in manifest.json (raw little-endian data in File).
type ioRecord struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
	File  string  `json:"file"`
}

func checkModel(b infer.Backend, prefix, work, name, path string) error {
	image, latent := int64(512), int64(64)
	if strings.HasPrefix(name, "tiny") {
		image, latent = 64, 8
	}
	t0 := time.Now()
	m, err := b.Open(infer.Spec{Path: path, Name: name})
	if err != nil {
		return err
	}
	defer m.Close()
	load := time.Since(t0)
	in, err := checkInputs(m.Inputs(), image, latent)
	if err != nil {
		return err
	}
	out, err := outputsFor(m, in, name, path)
	if err != nil {
		return err
	}
	t1 := time.Now()
	if err := m.Run(in, out); err != nil {
		return err
	}
	first := time.Since(t1)
	shapes := make([][]int64, len(in))
	for i, t := range in {
		shapes[i] = t.Shape
	}
	runs := 20
	if strings.HasPrefix(name, "movenet") {
		runs = 200
	}
	if n, err := strconv.Atoi(os.Getenv("XLA_CHECK_RUNS")); err == nil && n > 0 {
		runs = n
	}
	times := make([]float64, runs)
	for i := range times {
		s := time.Now()
		if err := m.Run(in, out); err != nil {
			return err
		}
		times[i] = ms(time.Since(s))
	}
	sort.Float64s(times)
	var usage int64
	if mt, ok := m.(infer.Meter); ok {
		usage = mt.Usage().DeviceBytes
	}
	emit(map[string]any{"measure": "model", "model": name, "provider": m.Provider(), "load_ms": ms(load),
		"compile_ms": ms(xla.CompileTime(m, shapes)), "first_run_ms": ms(first), "runs": runs,
		"run_ms_median": times[runs/2], "run_ms_min": times[0], "run_ms_p90": times[runs*9/10],
		"weights_bytes": usage, "inputs": shapes, "note": "Run includes host→device inputs and device→host outputs"})
	return writeCase(filepath.Join(work, name), prefix, path, m, in, out)
}

// outputsFor allocates outputs: static shapes, else by a dry guess from the model kind.
func outputsFor(m infer.Model, in []*infer.Tensor, name, path string) ([]*infer.Tensor, error) {
	var out []*infer.Tensor
	for _, io := range m.Outputs() {
		shape := append([]int64{}, io.Shape...)
		if !io.Static() {
			s, err := outputShape(m, in, io.Name, path)
			if err != nil {
				return nil, err
			}
			shape = s
		}
		t, err := infer.NewTensor(io.Elem, shape...)
		if err != nil {
			return nil, fmt.Errorf("%s output %s: %w", name, io.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func writeCase(dir, prefix, path string, m infer.Model, in, out []*infer.Tensor) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, _ := filepath.Abs(path)
	man := map[string]any{"model": abs}
	var ins, outs []ioRecord
	for i, t := range in {
		rec, err := writeTensor(dir, fmt.Sprintf("in%d.bin", i), m.Inputs()[i].Name, t)
		if err != nil {
			return err
		}
		ins = append(ins, rec)
	}
	for i, t := range out {
		rec, err := writeTensor(dir, fmt.Sprintf("%s%d.bin", prefix, i), m.Outputs()[i].Name, t)
		if err != nil {
			return err
		}
		outs = append(outs, rec)
	}
	man["inputs"], man["outputs"] = ins, outs
	j, _ := json.MarshalIndent(man, "", " ")
	return os.WriteFile(filepath.Join(dir, "manifest.json"), j, 0o644)
}

func writeTensor(dir, file, name string, t *infer.Tensor) (ioRecord, error) {
	var b []byte
	switch t.Elem {
	case infer.Float32:
		b = binary.LittleEndian.AppendUint32(b, 0)[:0]
		for _, v := range t.F32 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	case infer.Float16:
		for _, v := range t.F16 {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
	case infer.Int32:
		for _, v := range t.I32 {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
	case infer.Int64:
		for _, v := range t.I64 {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	case infer.Uint8:
		b = append(b, t.U8...)
	}
	return ioRecord{Name: name, DType: t.Elem.String(), Shape: t.Shape, File: file}, os.WriteFile(filepath.Join(dir, file), b, 0o644)
}

// checkPipeline times 512² img2img, 4 steps, strength 1, with the full VAE and with TAESD,
// on the device loop and ($XLA_CHECK_HOST_LOOP=1) on the host loop too.
func checkPipeline(b infer.Backend, dir string) {
	size, _ := strconv.Atoi(envOr("XLA_CHECK_PIPELINE_SIZE", "512"))
	loops := []bool{false}
	if os.Getenv("XLA_CHECK_HOST_LOOP") == "1" {
		loops = append(loops, true)
	}
	for _, hostLoop := range loops {
		for _, taesd := range []bool{false, true} {
			checkPipelineOnce(b, dir, size, taesd, hostLoop)
		}
	}
}

func checkPipelineOnce(b infer.Backend, dir string, size int, taesd, hostLoop bool) {
	t0 := time.Now()
	p, err := diffusion.Open(diffusion.Config{Dir: dir, Backend: b, TAESD: taesd, HostLoop: hostLoop})
	if err != nil {
		emit(map[string]any{"measure": "pipeline", "taesd": taesd, "error": err.Error()})
		return
	}
	open := time.Since(t0)
	e, err := p.EncodePrompt("a photo of a cat")
	if err == nil {
		req := diffusion.Request{Cond: e, Steps: 4, Strength: 1, Seed: 42, Size: size}
		t1 := time.Now()
		_, err = p.Generate(req, testImage(size))
		first := time.Since(t1)
		var times []float64
		frames := 10
		if n, e := strconv.Atoi(os.Getenv("XLA_CHECK_RUNS")); e == nil && n > 0 {
			frames = n
		}
		for i := 0; err == nil && i < frames; i++ {
			s := time.Now()
			_, err = p.Generate(req, testImage(size))
			times = append(times, ms(time.Since(s)))
		}
		if err == nil {
			sort.Float64s(times)
			te := time.Now()
			_, err = p.EncodePrompt("a photo of a dog " + strconv.Itoa(len(times)))
			emit(map[string]any{"measure": "pipeline", "taesd": taesd, "device_loop": p.Fused(), "size": size, "dir": dir, "steps": 4, "strength": 1,
				"open_ms": ms(open), "first_frame_ms": ms(first), "frame_ms_median": times[len(times)/2],
				"frame_ms_min": times[0], "encode_prompt_ms": ms(time.Since(te)), "frames": len(times)})
		}
	}
	if err != nil {
		emit(map[string]any{"measure": "pipeline", "taesd": taesd, "device_loop": p.Fused(), "error": err.Error()})
	}
	_ = p.Close()
}

// outputShape sizes a dynamic output: the xla backend knows it after compiling; for
// ONNX Runtime the same lowering on the pure-Go backend computes it.
func outputShape(m infer.Model, in []*infer.Tensor, name string, path string) ([]int64, error) {
	if s, err := xla.OutputShape(m, in, name); err == nil {
		return s, nil
	}
	gb, err := xla.New(xla.Config{Kind: "go"})
	if err != nil {
		return nil, err
	}
	defer gb.Close()
	gm, err := gb.Open(infer.Spec{Path: path})
	if err != nil {
		return nil, err
	}
	defer gm.Close()
	return xla.OutputShape(gm, in, name)
}

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// DiffusionConfig configures Diffusion (`bench diffusion` flags of the same names).
type DiffusionConfig struct {
	// Pipeline is the diffusion section to load; an empty Model generates the tiny
	// random-weight models in a temporary folder. Its Size is the working size.
	Pipeline conf.Diffusion
	Frames   int // frames to time (after one warm-up frame)
	Steps    int
	Strength float64
	Guidance float64
	Runtime  *app.Runtime
	Logger   *slog.Logger
}

// Diffusion times the img2img pipeline per stage and writes one JSON line to out.
func Diffusion(ctx context.Context, c DiffusionConfig, out io.Writer) error {
	model, size, frames, steps, strength, guidance := &c.Pipeline.Model, &c.Pipeline.Size, &c.Frames, &c.Steps, &c.Strength, &c.Guidance
	rt, log := c.Runtime, c.Logger
	if *frames < 1 {
		return fmt.Errorf("--frames %d: want ≥ 1", *frames)
	}
	dir, name := *model, *model
	if dir == "" {
		tmp, err := os.MkdirTemp("", "vivid-tiny-sdxl-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := tiny.Write(tmp, tiny.Options{Seed: 1}); err != nil {
			return err
		}
		dir, name = tmp, "tiny-sdxl (random weights, generated)"
	}
	d := c.Pipeline
	d.Model = dir
	if rt.UsesORT() {
		if _, err := rt.ORT(ctx, app.WantsGPU(d.Providers)); err != nil {
			return err
		}
	}
	vram := newVRAMMeter(app.WantsGPU(d.Providers))
	p, err := app.OpenPipeline(ctx, rt, d, log)
	if err != nil {
		return err
	}
	defer p.Close()
	vram.sample()
	loaded := vram.used()

	img := image.NewRGBA(image.Rect(0, 0, *size, *size))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var tok, enc []time.Duration
	for i := range *frames {
		if _, err := p.EncodePrompt(fmt.Sprintf("a colorful painting number %d", i)); err != nil {
			return err
		}
		t := p.Timings()
		tok, enc = append(tok, t.Tokenize), append(enc, t.TextEncode)
	}
	cond, err := p.EncodePrompt("a colorful painting, vivid brush strokes")
	if err != nil {
		return err
	}
	req := diffusion.Request{Cond: cond, Steps: *steps, Strength: *strength, Seed: 42, Guidance: *guidance, Size: *size}
	if _, err := p.Generate(req, img); err != nil { // warm-up: allocation, provider init
		return err
	}
	var venc, vdec, sch, run, total, over []time.Duration
	var unet [][]time.Duration
	for range *frames {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := p.Generate(req, img); err != nil {
			return err
		}
		vram.sample()
		t := p.Timings()
		venc, vdec, sch = append(venc, t.VAEEncode), append(vdec, t.VAEDecode), append(sch, t.Scheduler)
		run, total, over = append(run, t.Run), append(total, t.Total), append(over, t.Overhead())
		for i, d := range t.UNet {
			if i >= len(unet) {
				unet = append(unet, nil)
			}
			unet[i] = append(unet[i], d)
		}
	}
	unetMS := make([]float64, len(unet))
	for i, u := range unet {
		unetMS[i] = diffMedianMS(u)
	}
	return json.NewEncoder(out).Encode(map[string]any{
		"bench": "diffusion", "model": name, "size": *size, "frames": *frames, "steps": *steps, "strength": *strength,
		"guidance": *guidance, "scheduler": p.SchedulerName(), "providers": p.Providers(), "device_loop": p.Fused(),
		"tokenize_ms": diffMedianMS(tok), "text_encode_ms": diffMedianMS(enc),
		"vae_encode_ms": diffMedianMS(venc), "unet_step_ms": unetMS, "scheduler_ms": diffMedianMS(sch), "vae_decode_ms": diffMedianMS(vdec),
		"model_run_ms": diffMedianMS(run), "frame_ms": diffMedianMS(total),
		"frame_p50_ms": diffPctMS(total, 50), "frame_p99_ms": diffPctMS(total, 99),
		"vram_models_mb": loaded, "vram_peak_mb": vram.peak(),
		"overhead_ms": diffMedianMS(over), "overhead_max_ms": diffMS(slices.Max(over)),
		"frame_ms_each": eachMS(total), "vae_encode_ms_each": eachMS(venc), "unet_first_step_ms_each": eachMS(firstStep(unet)),
		"note": "medians; overhead = frame time minus ONNX Runtime Run time (tokenize/text encode run off the frame path)",
	})
}

func diffMedianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return diffMS(s[len(s)/2])
}

func diffMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// eachMS is ds in milliseconds, in order (a pattern over frames shows there, not in medians).
func eachMS(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = diffMS(d)
	}
	return out
}

// firstStep is the first UNet step of each frame (none when no step ran).
func firstStep(unet [][]time.Duration) []time.Duration {
	if len(unet) == 0 {
		return nil
	}
	return unet[0]
}

// diffPctMS is the nearest-rank percentile p of ds in milliseconds.
func diffPctMS(ds []time.Duration, p int) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	k := min(max((len(s)*p+99)/100, 1), len(s))
	return diffMS(s[k-1])
}

// vramMeter samples the GPU's used memory (total − free, through the CUDA runtime
// the CUDA provider loads) relative to the first sample; -1 where there is none.
type vramMeter struct {
	on         bool
	base, high int64
}

func newVRAMMeter(gpu bool) *vramMeter {
	m := &vramMeter{on: gpu, base: -1, high: -1}
	if gpu {
		if err := onnx.OpenDevice(0); err != nil {
			m.on = false
		} else {
			m.sample()
			m.base = m.high
		}
	}
	return m
}

func (m *vramMeter) sample() {
	if !m.on {
		return
	}
	free, total, err := onnx.DeviceMemory()
	if err == nil && total-free > m.high {
		m.high = total - free
	}
}

func (m *vramMeter) used() float64 {
	if !m.on || m.base < 0 {
		return -1
	}
	return float64((m.high - m.base) >> 20)
}

func (m *vramMeter) peak() float64 { return m.used() }

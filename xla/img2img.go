package xla

import (
	"errors"
	"fmt"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive,staticcheck // the wrappers read as GoMLX graph code
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/fused"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

var _ fused.Fuser = (*model)(nil)

// frames runs img2img frames with the latents on the device: three wrapped programs —
// frame bytes → VAE encoder → start latents; one UNet step with guidance and the
// scheduler's update (the same program every step, coefficients as arguments); latents →
// decoder → frame bytes.
type frames struct {
	s                 fused.Spec
	enc, unet, dec    *model
	encW, stepW, decW *Wrap
	cond              []*Device // the UNet's conditioning inputs by input index (nil elsewhere)
	zeros             *Device   // the z of a step that draws nothing, uploaded once
	n                 int       // latent elements (batch 1)
}

// FuseImg2Img implements fused.Fuser on the UNet: s.Enc and s.Dec must be models of the
// same backend.
func (m *model) FuseImg2Img(s fused.Spec) (fused.Runner, error) {
	enc, ok1 := s.Enc.(*model)
	dec, ok2 := s.Dec.(*model)
	if !ok1 || !ok2 || enc.b != m.b || dec.b != m.b {
		return nil, errors.New("xla: the fused frame needs the encoder, UNet and decoder on one xla backend")
	}
	if s.Batch != 1 && s.Batch != 2 {
		return nil, fmt.Errorf("xla: fused frame: batch %d (want 1, or 2 with guidance)", s.Batch)
	}
	latShape := s.DecIn[s.DecLatent].Shape
	L := int(latShape[len(latShape)-1]) // latent side
	f := &frames{s: s, enc: enc, unet: m, dec: dec, n: s.Ch * L * L, cond: make([]*Device, len(s.UNetIn))}
	lat := []int{1, s.Ch, L, L}
	zt, err := infer.NewTensor(infer.Float32, 1, int64(s.Ch), int64(L), int64(L))
	if err != nil {
		return nil, err
	}
	if f.zeros, err = m.b.upload(zt); err != nil {
		return nil, fmt.Errorf("xla: fused frame: %w", err)
	}
	f32 := dtypes.Float32

	// Encode: rgba u8 [S,S,4], (eps), noise, coef [Scale, Start, StartNoise] → latents.
	encP := []Param{{"rgba", dtypes.Uint8, []int{s.Size, s.Size, 4}}, {"noise", f32, lat}, {"coef", f32, []int{3}}}
	if s.Dist {
		encP = append(encP, Param{"eps", f32, lat})
	}
	imgT := s.EncIn[s.EncImage]
	lut := s.ByteToInput
	f.encW = &Wrap{Key: fmt.Sprintf("img2img-encode-%d-%v", s.Size, s.Dist), Params: encP,
		Build: func(p []*Node, apply func([]*Node) []*Node) []*Node {
			g := p[0].Graph()
			rgb := Slice(p[0], AxisRange(), AxisRange(), AxisRange(0, 3))
			idx := Reshape(ConvertDType(rgb, dtypes.Int32), s.Size*s.Size*3, 1)
			x := Gather(Reshape(Const(g, lut[:]), 256, 1), idx) // [S·S·3, 1] f32
			x = Reshape(x, s.Size, s.Size, 3)
			x = Reshape(TransposeAllAxes(x, 2, 0, 1), 1, 3, s.Size, s.Size) // [1,3,S,S]
			in := make([]*Node, len(s.EncIn))
			in[s.EncImage] = ConvertDType(x, enc.graphDType(onnxOf(imgT.Elem)))
			out := ConvertDType(apply(in)[s.EncLatent], f32)
			z := Slice(out, AxisRange(), AxisRange(0, s.Ch))
			if s.Dist {
				lv := ClipScalar(Slice(out, AxisRange(), AxisRange(s.Ch, 2*s.Ch)), -30, 20)
				z = Add(z, Mul(Exp(MulScalar(lv, 0.5)), p[3]))
			}
			coef := p[2]
			at := func(i int) *Node { return Reshape(Slice(coef, AxisElem(i))) }
			z = Mul(z, at(0))
			return []*Node{Add(Mul(z, at(1)), Mul(p[1], at(2)))}
		}}

	// Step: latents, z, coef [In, X, Out, Noise, Guidance], then the UNet's inputs other
	// than the sample (timestep uploaded per step, conditioning resident).
	stepP := []Param{{"latents", f32, lat}, {"z", f32, lat}, {"coef", f32, []int{5}}}
	var rest []int // UNet input indices taken as parameters 3…
	for i, t := range s.UNetIn {
		if i == s.Sample {
			continue
		}
		rest = append(rest, i)
		stepP = append(stepP, Param{fmt.Sprint("unet-", i), m.graphDType(onnxOf(t.Elem)), int64s(t.Shape)})
	}
	sampleT := s.UNetIn[s.Sample]
	f.stepW = &Wrap{Key: fmt.Sprintf("img2img-step-%d-b%d", s.Size, s.Batch), Params: stepP,
		Build: func(p []*Node, apply func([]*Node) []*Node) []*Node {
			x, z, coef := p[0], p[1], p[2]
			at := func(i int) *Node { return Reshape(Slice(coef, AxisElem(i))) }
			sample := Mul(x, at(0))
			if s.Batch == 2 {
				sample = Concatenate([]*Node{sample, sample}, 0)
			}
			in := make([]*Node, len(s.UNetIn))
			in[s.Sample] = ConvertDType(sample, m.graphDType(onnxOf(sampleT.Elem)))
			for k, i := range rest {
				in[i] = p[3+k]
			}
			eps := ConvertDType(apply(in)[s.NoisePred], f32)
			if s.Batch == 2 {
				u := Slice(eps, AxisRange(0, 1))
				c := Slice(eps, AxisRange(1, 2))
				eps = Add(u, Mul(at(4), Sub(c, u)))
			}
			return []*Node{Add(Add(Mul(x, at(1)), Mul(eps, at(2))), Mul(z, at(3)))}
		}}

	// Decode: latents, inv scale [1] → rgba u8 [S,S,4] (alpha 255).
	latT := s.DecIn[s.DecLatent]
	f.decW = &Wrap{Key: fmt.Sprintf("img2img-decode-%d", s.Size), Params: []Param{{"latents", f32, lat}, {"inv", f32, []int{1}}},
		Build: func(p []*Node, apply func([]*Node) []*Node) []*Node {
			g := p[0].Graph()
			in := make([]*Node, len(s.DecIn))
			in[s.DecLatent] = ConvertDType(Mul(p[0], Reshape(Slice(p[1], AxisElem(0)))), dec.graphDType(onnxOf(latT.Elem)))
			v := ConvertDType(apply(in)[s.DecImage], f32) // [1,3,S,S]
			v = Where(IsNaN(v), ZerosLike(v), v)
			v = AddScalar(MulScalar(AddScalar(v, 1), 127.5), 0.5)
			v = Floor(ClipScalar(v, 0, 255))
			rgb := TransposeAllAxes(Reshape(ConvertDType(v, dtypes.Uint8), 3, s.Size, s.Size), 1, 2, 0) // [S,S,3]
			alpha := BroadcastToDims(Const(g, uint8(255)), s.Size, s.Size, 1)
			return []*Node{Concatenate([]*Node{rgb, alpha}, 2)}
		}}
	return f, nil
}

func onnxOf(e infer.DType) onnxpb.TensorProto_DataType { return onnxpb.TensorProto_DataType(e) }

// SetConditioning implements fused.Runner.
func (f *frames) SetConditioning() error {
	for i, t := range f.s.UNetIn {
		if i == f.s.Sample || i == f.s.Timestep {
			continue
		}
		d, err := f.unet.b.upload(t)
		if err != nil {
			return fmt.Errorf("xla: conditioning %s: %w", f.unet.ins[i].Name, err)
		}
		if f.cond[i] != nil {
			_ = f.cond[i].Close()
		}
		f.cond[i] = d
	}
	return nil
}

// Run implements fused.Runner.
func (f *frames) Run(fr *fused.Frame) (fused.Timings, error) {
	var tm fused.Timings
	s := f.s
	if len(fr.RGBA) != s.Size*s.Size*4 || len(fr.Out) != len(fr.RGBA) {
		return tm, fmt.Errorf("xla: fused frame: %d input and %d output bytes, want %d", len(fr.RGBA), len(fr.Out), s.Size*s.Size*4)
	}
	if len(fr.Noise) != f.n || (s.Dist && len(fr.VAEEps) != f.n) {
		return tm, fmt.Errorf("xla: fused frame: noise of %d (VAE %d) values, want %d", len(fr.Noise), len(fr.VAEEps), f.n)
	}
	for i, t := range f.cond {
		if t == nil && i != s.Sample && i != s.Timestep {
			return tm, errors.New("xla: fused frame: SetConditioning was not called")
		}
	}
	t0 := time.Now()
	args := []Arg{{Host: fr.RGBA}, {Host: fr.Noise}, {Host: []float32{fr.Scale, fr.Start, fr.StartNoise}}}
	if s.Dist {
		args = append(args, Arg{Host: fr.VAEEps})
	}
	out, err := f.enc.RunWrap(f.encW, args)
	if err != nil {
		return tm, err
	}
	lat := out[0]
	defer func() { _ = lat.Close() }()
	tm.Encode = time.Since(t0)
	for _, st := range fr.Steps {
		t := time.Now()
		z := Arg{Dev: f.zeros, Keep: true}
		if st.Z != nil {
			if len(st.Z) != f.n {
				return tm, fmt.Errorf("xla: fused frame: step noise of %d values, want %d", len(st.Z), f.n)
			}
			z = Arg{Host: st.Z}
		}
		args := []Arg{{Dev: lat}, z, {Host: []float32{st.In, st.X, st.Out, st.Noise, fr.Guidance}}}
		for i := range s.UNetIn {
			switch i {
			case s.Sample:
			case s.Timestep:
				flat, _ := f.unet.b.hostFlat(st.Timestep)
				args = append(args, Arg{Host: flat})
			default:
				args = append(args, Arg{Dev: f.cond[i], Keep: true})
			}
		}
		out, err := f.unet.RunWrap(f.stepW, args)
		if err != nil {
			return tm, err
		}
		lat = out[0]
		tm.UNet = append(tm.UNet, time.Since(t))
	}
	t := time.Now()
	if fr.Latents != nil {
		if err := lat.CopyTo(fr.Latents); err != nil {
			return tm, err
		}
	}
	out, err = f.dec.RunWrap(f.decW, []Arg{{Dev: lat}, {Host: []float32{1 / fr.Scale}}})
	if err != nil {
		return tm, err
	}
	err = out[0].CopyTo(fr.Out)
	_ = out[0].Close()
	tm.Decode = time.Since(t)
	return tm, err
}

// Close implements fused.Runner.
func (f *frames) Close() error {
	err := f.zeros.Close()
	for i, d := range f.cond {
		err = errors.Join(err, d.Close())
		f.cond[i] = nil
	}
	return err
}

// upload puts a host tensor on the device as a Device (conditioning that stays).
func (b *Backend) upload(t *infer.Tensor) (*Device, error) {
	flat, dt := b.hostFlat(t)
	if flat == nil {
		return nil, fmt.Errorf("element type %s is not supported", t.Elem)
	}
	buf, err := b.be.BufferFromFlatData(0, flat, shapes.Make(dt, int64s(t.Shape)...))
	if err != nil {
		return nil, err
	}
	tt, err := tensors.FromBuffer(b.be, buf)
	if err != nil {
		_ = b.be.BufferFinalize(buf)
		return nil, err
	}
	return &Device{t: tt}, nil
}

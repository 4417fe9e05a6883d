package xla_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// layoutBackends are two pure-Go backends, Conv lowered in ONNX's layout and
// channels-last, named explicitly so that $VIVID_XLA_CONV does not matter.
func layoutBackends(t *testing.T) (nchw, nhwc *xla.Backend) {
	t.Helper()
	var err error
	if nchw, err = xla.New(xla.Config{Kind: "go", ConvLayout: xla.ConvNCHW}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nchw.Close() })
	if nhwc, err = xla.New(xla.Config{Kind: "go", ConvLayout: xla.ConvNHWC}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nhwc.Close() })
	if nchw.ConvLayout() != xla.ConvNCHW || nhwc.ConvLayout() != xla.ConvNHWC {
		t.Fatalf("conv layouts %q and %q", nchw.ConvLayout(), nhwc.ConvLayout())
	}
	return nchw, nhwc
}

// relDiff is max |a−b| over max |a|: the tensors' difference relative to a's scale.
func relDiff(t *testing.T, a, b *infer.Tensor) float64 {
	t.Helper()
	var scale float64
	for i := range a.Len() {
		scale = max(scale, math.Abs(at(a, i)))
	}
	return maxDiff(t, a, b) / max(scale, 1e-30)
}

// convLayoutCases are the Conv cases of opCases and more ranks, groups and kernel kinds.
func convLayoutCases() []opCase {
	var cs []opCase
	for _, c := range opCases {
		if c.op == "Conv" {
			cs = append(cs, c)
		}
	}
	return append(cs,
		opCase{name: "conv1d-bias", op: "Conv", at: attrs(aInts("pads", 1, 2), aInts("strides", 2)), in: []tin{f32In(2, 3, 11), f32Const(s(5, 3, 4)), f32Const(s(5))}, outs: [][]int64{{2, 5, 6}}},
		opCase{name: "conv3d-groups-bias", op: "Conv", at: attrs(aInt("group", 2), aInts("pads", 1, 0, 1, 1, 0, 1)), in: []tin{f32In(1, 4, 5, 4, 6), f32Const(s(6, 2, 3, 2, 3)), f32Const(s(6))}, outs: [][]int64{{1, 6, 5, 3, 6}}},
		opCase{name: "conv-runtime-kernel", op: "Conv", at: attrs(aInts("pads", 1, 1, 1, 1)), in: []tin{f32In(2, 3, 5, 5), f32In(4, 3, 3, 3), f32In(4)}, outs: [][]int64{{2, 4, 5, 5}}},
		opCase{name: "conv-1x1-groups-bias", op: "Conv", at: attrs(aInt("group", 4)), in: []tin{f32In(1, 8, 4, 4), f32Const(s(16, 2, 1, 1)), f32Const(s(16))}, outs: [][]int64{{1, 16, 4, 4}}},
	)
}

// TestConvLayoutOps: every Conv case computes the same with the nhwc layout as with
// ONNX's (within 1e-5 relative); kernels that are weights sit on the device as OHWI.
func TestConvLayoutOps(t *testing.T) {
	nchw, nhwc := layoutBackends(t)
	for _, c := range convLayoutCases() {
		t.Run(c.name, func(t *testing.T) {
			elems := make([]infer.DType, len(c.outs))
			for i := range elems {
				elems[i] = f
			}
			path, feeds := writeOpModel(t, c.op, 17, c.at, c.in, elems, c.outs)
			want := runModel(t, nchw, path, feeds, c.outs)
			got := runModel(t, nhwc, path, feeds, c.outs)
			for i := range want {
				if d := relDiff(t, want[i], got[i]); d > 1e-5 {
					t.Errorf("output %d: max |nchw − nhwc| / max |nchw| = %.3g > 1e-5", i, d)
				}
			}
			if k := c.in[1]; k.konst && len(k.shape) >= 3 {
				n := 1
				for _, d := range k.shape {
					n *= int(d)
				}
				want := int64s(k.shape)
				if n >= 64 { // a device weight; smaller kernels are constants
					want = slices.Concat(want[:1], want[2:], want[1:2])
				}
				checkWeight(t, nhwc, path, "inb", want, n >= 64)
				checkWeight(t, nchw, path, "inb", int64s(k.shape), n >= 64)
			}
		})
	}
}

func int64s(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

// checkWeight opens path on b and checks the device dims of weight name.
func checkWeight(t *testing.T, b *xla.Backend, path, name string, want []int, isWeight bool) {
	t.Helper()
	m, err := b.Open(infer.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	got, ok := xla.WeightDims(m)[name]
	if ok != isWeight || ok && !slices.Equal(got, want) {
		t.Errorf("%s: weight %s has device dims %v (a weight: %v), want %v (%v)", b.ConvLayout(), name, got, ok, want, isWeight)
	}
}

// TestConvLayoutSharedKernels: a kernel read by two Convs goes OHWI; one that another
// op also reads, or that is a graph output, stays OIHW; results agree either way.
func TestConvLayoutSharedKernels(t *testing.T) {
	nchw, nhwc := layoutBackends(t)
	r := rand.New(rand.NewPCG(3, 4))
	init := func(name string, dims ...int64) *onnxpb.TensorProto {
		n := 1
		for _, d := range dims {
			n *= int(d)
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.Float64()*2 - 1)
		}
		return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(infer.Float32)), FloatData: v}
	}
	node := func(op string, in []string, out string, at ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(out), Input: in, Output: []string{out}, Attribute: at}
	}
	pads := aInts("pads", 1, 0, 1, 0)
	g := &onnxpb.GraphProto{
		Name: proto.String("g"),
		Initializer: []*onnxpb.TensorProto{
			init("w_two_convs", 8, 3, 3, 2), init("w_and_mul", 8, 3, 3, 2), init("w_output", 8, 3, 3, 2), init("bias", 8),
		},
		Input: []*onnxpb.ValueInfoProto{vinfo("x", f, s(1, 3, 6, 5))},
		Node: []*onnxpb.NodeProto{
			node("Conv", []string{"x", "w_two_convs", "bias"}, "a", pads),
			node("Conv", []string{"x", "w_two_convs"}, "b", pads),
			node("Conv", []string{"x", "w_and_mul"}, "c", pads),
			node("Conv", []string{"x", "w_output", "bias"}, "d", pads),
			node("Mul", []string{"w_and_mul", "w_and_mul"}, "wsq"),
			node("Add", []string{"a", "b"}, "ab"),
			node("Add", []string{"c", "d"}, "cd"),
			node("Add", []string{"ab", "cd"}, "y"),
		},
		Output: []*onnxpb.ValueInfoProto{vinfo("y", f, s(1, 8, 6, 4)), vinfo("wsq", f, s(8, 3, 3, 2)), vinfo("w_output", f, s(8, 3, 3, 2))},
	}
	data, err := proto.Marshal(&onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(17)}},
		Graph:       g,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shared.onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	feeds := []*infer.Tensor{f32In(1, 3, 6, 5).tensor(r)}
	want := runModel(t, nchw, path, feeds, nil)
	got := runModel(t, nhwc, path, feeds, nil)
	for i := range want {
		if d := relDiff(t, want[i], got[i]); d > 1e-5 {
			t.Errorf("output %d: max |nchw − nhwc| / max |nchw| = %.3g > 1e-5", i, d)
		}
	}
	m, err := nhwc.Open(infer.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	dims := xla.WeightDims(m)
	for name, w := range map[string][]int{"w_two_convs": {8, 3, 2, 3}, "w_and_mul": {8, 3, 3, 2}, "w_output": {8, 3, 3, 2}} {
		if !slices.Equal(dims[name], w) {
			t.Errorf("nhwc: weight %s has device dims %v, want %v", name, dims[name], w)
		}
	}
}

// TestConvLayoutTinyModels: the tiny SDXL UNet, VAE encoder and decoder (fp32, and
// fp16 weights and I/O) give the same outputs with the nhwc layout as with ONNX's.
func TestConvLayoutTinyModels(t *testing.T) {
	nchw, nhwc := layoutBackends(t)
	for _, fp16 := range []bool{false, true} {
		dir := t.TempDir()
		if err := tiny.Write(dir, tiny.Options{Seed: 1, FP16: fp16}); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"unet", "vae_encoder", "vae_decoder"} {
			name := "tiny-" + sub
			if fp16 {
				name += "-fp16"
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(dir, sub, "model.onnx")
				want := runTiny(t, nchw, name, path)
				got := runTiny(t, nhwc, name, path)
				for i := range want {
					d := relDiff(t, want[i], got[i])
					if d > 1e-5 {
						t.Errorf("output %d: max |nchw − nhwc| / max |nchw| = %.3g > 1e-5", i, d)
					} else {
						t.Logf("output %d %v: max |nchw − nhwc| / max |nchw| = %.3g", i, want[i].Shape, d)
					}
				}
			})
		}
	}
}

// runTiny runs a tiny model once on the GPU check's deterministic inputs.
func runTiny(t *testing.T, b *xla.Backend, name, path string) []*infer.Tensor {
	t.Helper()
	m, err := b.Open(infer.Spec{Path: path, Name: name})
	if err != nil {
		t.Fatalf("%s: %v", b.ConvLayout(), err)
	}
	defer func() { _ = m.Close() }()
	in, err := checkInputs(m.Inputs(), 64, 8)
	if err != nil {
		t.Fatal(err)
	}
	out, err := outputsFor(m, in, name, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(in, out); err != nil {
		t.Fatalf("%s: %v", b.ConvLayout(), err)
	}
	if len(out) == 0 {
		t.Fatal("no outputs")
	}
	return out
}

// TestConvLayoutConfig: the knob's values, its environment default and a bad value.
func TestConvLayoutConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg, env, want, err string
	}{
		{"", "", xla.ConvNCHW, ""},
		{"", "nhwc", xla.ConvNHWC, ""},
		{"", "nchw", xla.ConvNCHW, ""},
		{"nchw", "nhwc", xla.ConvNCHW, ""},
		{"nhwc", "", xla.ConvNHWC, ""},
		{"", "NHWC", "", `xla: VIVID_XLA_CONV "NHWC": want nchw or nhwc`},
		{"hwcn", "", "", `xla: conv layout "hwcn": want nchw or nhwc`},
	} {
		t.Run(tc.cfg+"/"+tc.env, func(t *testing.T) {
			t.Setenv(xla.ConvLayoutEnv, tc.env)
			b, err := xla.New(xla.Config{Kind: "go", ConvLayout: tc.cfg})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = b.Close() }()
			if b.ConvLayout() != tc.want {
				t.Errorf("layout %q, want %q", b.ConvLayout(), tc.want)
			}
		})
	}
}

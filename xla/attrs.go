package xla

import (
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// attrs are a node's attributes by name.
type attrs map[string]*onnxpb.AttributeProto

func attrsOf(nd *onnxpb.NodeProto) attrs {
	a := attrs{}
	for _, at := range nd.GetAttribute() {
		a[at.GetName()] = at
	}
	return a
}

func (a attrs) has(name string) bool { return a[name] != nil }

func (a attrs) int(name string, def int) int {
	if at := a[name]; at != nil {
		return int(at.GetI())
	}
	return def
}

func (a attrs) float(name string, def float64) float64 {
	if at := a[name]; at != nil {
		return float64(at.GetF())
	}
	return def
}

func (a attrs) str(name, def string) string {
	if at := a[name]; at != nil {
		return string(at.GetS())
	}
	return def
}

func (a attrs) ints(name string) []int {
	at := a[name]
	if at == nil {
		return nil
	}
	out := make([]int, len(at.GetInts()))
	for i, v := range at.GetInts() {
		out[i] = int(v)
	}
	return out
}

func (a attrs) floats(name string) []float32 {
	if at := a[name]; at != nil {
		return at.GetFloats()
	}
	return nil
}

// tensor decodes a tensor attribute (Constant's value, ConstantOfShape's value).
func (a attrs) tensor(name string) *hostT {
	at := a[name]
	if at == nil || at.GetT() == nil {
		return nil
	}
	h, err := decodeTensor(at.GetT(), nil)
	if err != nil {
		fail("attribute %s: %v", name, err)
	}
	return h
}

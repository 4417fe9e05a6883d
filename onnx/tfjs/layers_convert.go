package tfjs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// layerFunc converts one Keras layer whose inputs are already converted.
type layerFunc func(c *converter, l *kerasLayer, in []*value) (*value, error)

// layerTable lists the Keras layer classes the importer translates (tfjs-layers semantics).
// PixelShuffle<N>x (a custom layer of @upscalerjs/esrgan-thick) is matched by prefix.
var layerTable = map[string]layerFunc{
	"Conv2D":       layerConv2D,
	"Activation":   layerActivation,
	"Add":          layerAdd,
	"Concatenate":  layerConcat,
	"UpSampling2D": layerUpSampling,
	"MultiplyBeta": layerMultiplyBeta,
}

// convertLayers translates a TFJS layers model (Keras functional graph, layers listed after
// their inputs) to ONNX. The graph stays NHWC like the graph-model path.
func convertLayers(modelJSON []byte, read WeightsReader) (*onnxpb.ModelProto, error) {
	f, m, err := parseLayersModel(modelJSON)
	if err != nil {
		return nil, err
	}
	w, err := loadWeights(f.WeightsManifest, read)
	if err != nil {
		return nil, err
	}
	c := &converter{b: newBuilder(), weights: w, vals: map[string]*value{}}
	var inputs []*onnxpb.ValueInfoProto
	seen := map[string]bool{}
	for i := range m.Config.Layers {
		l := &m.Config.Layers[i]
		if l.Name == "" || seen[l.Name] {
			return nil, fmt.Errorf("%w: duplicate or empty layer name %q", ErrBadModel, l.Name)
		}
		seen[l.Name] = true
		if l.inboundCalled > 1 {
			return nil, fmt.Errorf("%w: layer %q is called %d times (shared layers)", ErrUnsupportedOp, l.Name, l.inboundCalled)
		}
		ins := make([]*value, 0, len(l.inbound))
		for _, r := range l.inbound {
			v, ok := c.vals[refKey(r)]
			if !ok {
				return nil, fmt.Errorf("%w: layer %q: input %s:%d:%d is not an earlier layer's output", ErrBadModel, l.Name, r.Layer, r.Node, r.Tensor)
			}
			ins = append(ins, v)
		}
		if l.ClassName == "InputLayer" {
			vi, v, err := c.inputLayer(l)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, vi)
			c.vals[l.Name+":0:0"] = v
			continue
		}
		fn, ok := layerTable[l.ClassName]
		if !ok && strings.HasPrefix(l.ClassName, "PixelShuffle") {
			fn, ok = layerPixelShuffle, true
		}
		if !ok {
			return nil, fmt.Errorf("%w: layer class %s (layer %q)", ErrUnsupportedOp, l.ClassName, l.Name)
		}
		if len(ins) == 0 {
			return nil, fmt.Errorf("%w: layer %q has no inputs", ErrBadModel, l.Name)
		}
		v, err := fn(c, l, ins)
		if err != nil {
			return nil, fmt.Errorf("layer %q (%s): %w", l.Name, l.ClassName, err)
		}
		c.vals[l.Name+":0:0"] = v
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: no InputLayer", ErrBadModel)
	}
	refs, err := decodeRefs(m.Config.OutputLayers)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("%w: no output_layers", ErrBadModel)
	}
	var outputs []*onnxpb.ValueInfoProto
	for _, r := range refs {
		v, ok := c.vals[refKey(r)]
		if !ok {
			return nil, fmt.Errorf("%w: output %s:%d:%d is not produced by the model", ErrBadModel, r.Layer, r.Node, r.Tensor)
		}
		name := c.ref(v)
		if name != r.Layer {
			want := c.b.unique(r.Layer)
			c.b.add("Identity", []string{name}, []string{want})
			name = want
		}
		outputs = append(outputs, valueInfo(name, v.dtype, v.shape, map[int]string{0: "batch", 1: "out_height", 2: "out_width"}))
	}
	return c.model(inputs, outputs), nil
}

func refKey(r layerRef) string { return fmt.Sprintf("%s:%d:%d", r.Layer, r.Node, r.Tensor) }

// inputLayer makes the graph input from batch_input_shape (null dims become symbolic).
func (c *converter) inputLayer(l *kerasLayer) (*onnxpb.ValueInfoProto, *value, error) {
	dt, err := dtypeFromTF(cmpOr(l.Config.Dtype, "float32"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: input layer %q: %w", ErrBadModel, l.Name, err)
	}
	var shape []int64
	if l.Config.BatchInputShape != nil {
		shape = make([]int64, len(l.Config.BatchInputShape))
		for i, d := range l.Config.BatchInputShape {
			shape[i] = -1
			if d != nil {
				if *d < 0 {
					return nil, nil, fmt.Errorf("%w: input layer %q: negative dimension %d", ErrBadModel, l.Name, *d)
				}
				shape[i] = int64(*d)
			}
		}
	}
	name := c.b.unique(l.Name)
	params := map[int]string{}
	if len(shape) == 4 {
		params[0], params[1], params[2], params[3] = "batch", "height", "width", "channels"
	}
	return valueInfo(name, dt, shape, params), &value{name: name, dtype: dt, shape: shape}, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// pair reads a Keras 2-tuple (kernel_size, strides, dilation_rate, size) or returns def.
func pair(v []flexInt, what string, def int64) ([]int64, error) {
	switch len(v) {
	case 0:
		return []int64{def, def}, nil
	case 2:
		if v[0] < 1 || v[1] < 1 || v[0] > 1<<16 || v[1] > 1<<16 {
			return nil, fmt.Errorf("%w: %s %v out of range", ErrBadModel, what, v)
		}
		return []int64{int64(v[0]), int64(v[1])}, nil
	}
	return nil, fmt.Errorf("%w: %s has %d values, want 2", ErrBadModel, what, len(v))
}

// weight finds a layer's weight: "<layer>/<what>", else the one name ending in "/<layer>/<what>".
func (c *converter) weight(layer, what string) (*tensor, error) {
	key := layer + "/" + what
	if t, ok := c.weights[key]; ok {
		return t, nil
	}
	var found *tensor
	for name, t := range c.weights {
		if strings.HasSuffix(name, "/"+key) {
			if found != nil {
				return nil, fmt.Errorf("%w: several weights end in %q", ErrBadWeights, key)
			}
			found = t
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: no weight %q in the manifest", ErrBadWeights, key)
	}
	return found, nil
}

// checkChannelsLast rejects data_format other than channels_last.
func checkChannelsLast(cfg *layerConfig) error {
	if cfg.DataFormat != "" && cfg.DataFormat != "channels_last" {
		return fmt.Errorf("%w: data_format %q", ErrUnsupportedOp, cfg.DataFormat)
	}
	return nil
}

// layerScale reads PixelShuffle's scale from its config, else from the class name (PixelShuffle4x).
func layerScale(l *kerasLayer) (int64, error) {
	if l.Config.Scale != nil {
		s := int64(*l.Config.Scale)
		if s < 1 || s > 64 {
			return 0, fmt.Errorf("%w: scale %d out of range", ErrBadModel, s)
		}
		return s, nil
	}
	digits := strings.TrimSuffix(strings.TrimPrefix(l.ClassName, "PixelShuffle"), "x")
	s, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || s < 1 || s > 64 {
		return 0, fmt.Errorf("%w: layer class %s names no scale", ErrUnsupportedOp, l.ClassName)
	}
	return s, nil
}

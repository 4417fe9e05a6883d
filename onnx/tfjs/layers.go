package tfjs

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// layersFile is a TFJS layers-model model.json (tfjs-layers `model.save`, or tensorflowjs_converter
// from a Keras H5 file): a Keras functional model config plus the weights manifest.
type layersFile struct {
	Format          string          `json:"format"`
	ModelTopology   json.RawMessage `json:"modelTopology"`
	WeightsManifest []weightGroup   `json:"weightsManifest"`
}

// kerasModel is the Keras functional model config ("Functional" or "Model").
type kerasModel struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Name         string          `json:"name"`
		Layers       []kerasLayer    `json:"layers"`
		InputLayers  json.RawMessage `json:"input_layers"`
		OutputLayers json.RawMessage `json:"output_layers"`
	} `json:"config"`
}

// kerasLayer is one layer: its class, config and the (layer, node, tensor) triples it is called on.
type kerasLayer struct {
	ClassName     string              `json:"class_name"`
	Name          string              `json:"name"`
	Config        layerConfig         `json:"config"`
	InboundNodes  [][]json.RawMessage `json:"inbound_nodes"`
	inbound       []layerRef          // decoded from InboundNodes[0]
	inboundCalled int                 // len(InboundNodes)
}

// layerConfig holds every config field the supported layer classes use.
type layerConfig struct {
	Name            string     `json:"name"`
	BatchInputShape []*flexInt `json:"batch_input_shape"`
	Dtype           string     `json:"dtype"`
	Filters         flexInt    `json:"filters"`
	KernelSize      []flexInt  `json:"kernel_size"`
	Strides         []flexInt  `json:"strides"`
	Padding         string     `json:"padding"`
	DataFormat      string     `json:"data_format"`
	DilationRate    []flexInt  `json:"dilation_rate"`
	Groups          *flexInt   `json:"groups"`
	Activation      string     `json:"activation"`
	UseBias         *bool      `json:"use_bias"`
	Axis            *flexInt   `json:"axis"`
	Size            []flexInt  `json:"size"`
	Interpolation   string     `json:"interpolation"`
	Beta            *flexFloat `json:"beta"`
	Scale           *flexInt   `json:"scale"`
	Alpha           *flexFloat `json:"alpha"`
}

// layerRef names one tensor: output tensor Tensor of call Node of layer Layer.
type layerRef struct {
	Layer  string
	Node   int64
	Tensor int64
}

// decodeRef reads ["name", node, tensor, {kwargs}] (or the 3-element input/output layer form).
func decodeRef(raw json.RawMessage) (layerRef, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return layerRef{}, fmt.Errorf("%w: layer reference %s: %w", ErrBadModel, clip(raw), err)
	}
	if len(parts) < 3 {
		return layerRef{}, fmt.Errorf("%w: layer reference %s: want [name, node, tensor]", ErrBadModel, clip(raw))
	}
	var r layerRef
	var node, tensor flexInt
	if err := json.Unmarshal(parts[0], &r.Layer); err != nil {
		return layerRef{}, fmt.Errorf("%w: layer reference %s: %w", ErrBadModel, clip(raw), err)
	}
	if err := json.Unmarshal(parts[1], &node); err != nil {
		return layerRef{}, fmt.Errorf("%w: layer reference %s: %w", ErrBadModel, clip(raw), err)
	}
	if err := json.Unmarshal(parts[2], &tensor); err != nil {
		return layerRef{}, fmt.Errorf("%w: layer reference %s: %w", ErrBadModel, clip(raw), err)
	}
	r.Node, r.Tensor = int64(node), int64(tensor)
	return r, nil
}

// decodeRefs reads input_layers/output_layers: a list of references, or a single one.
func decodeRefs(raw json.RawMessage) ([]layerRef, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w: layer list %s: %w", ErrBadModel, clip(raw), err)
	}
	if len(list) > 0 && bytes.HasPrefix(bytes.TrimSpace(list[0]), []byte(`"`)) {
		r, err := decodeRef(raw)
		return []layerRef{r}, err
	}
	out := make([]layerRef, 0, len(list))
	for _, item := range list {
		r, err := decodeRef(item)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// clip shortens raw JSON for an error message.
func clip(raw []byte) string {
	if len(raw) > 60 {
		return string(raw[:60]) + "…"
	}
	return string(raw)
}

// parseLayersModel decodes a layers-model model.json and its Keras functional config.
func parseLayersModel(data []byte) (*layersFile, *kerasModel, error) {
	var f layersFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, fmt.Errorf("%w: model.json: %w", ErrBadModel, err)
	}
	if f.Format != "layers-model" {
		return nil, nil, fmt.Errorf("%w: format %q is not a layers-model", ErrBadModel, f.Format)
	}
	// modelTopology is {"model_config": {...}} (converter output) or the model config itself.
	var top struct {
		ModelConfig json.RawMessage `json:"model_config"`
	}
	if err := json.Unmarshal(f.ModelTopology, &top); err != nil {
		return nil, nil, fmt.Errorf("%w: modelTopology: %w", ErrBadModel, err)
	}
	cfg := top.ModelConfig
	if len(cfg) == 0 {
		cfg = f.ModelTopology
	}
	var m kerasModel
	if err := json.Unmarshal(cfg, &m); err != nil {
		return nil, nil, fmt.Errorf("%w: model_config: %w", ErrBadModel, err)
	}
	if m.ClassName == "" {
		return nil, nil, fmt.Errorf("%w: modelTopology holds no Keras model config", ErrBadModel)
	}
	if m.ClassName != "Functional" && m.ClassName != "Model" {
		return nil, nil, fmt.Errorf("%w: model class %q (want a functional Keras model)", ErrUnsupportedOp, m.ClassName)
	}
	if len(m.Config.Layers) == 0 {
		return nil, nil, fmt.Errorf("%w: model_config has no layers", ErrBadModel)
	}
	for i := range m.Config.Layers {
		l := &m.Config.Layers[i]
		if l.Name == "" {
			l.Name = l.Config.Name
		}
		l.inboundCalled = len(l.InboundNodes)
		if len(l.InboundNodes) == 0 {
			continue
		}
		for _, raw := range l.InboundNodes[0] {
			r, err := decodeRef(raw)
			if err != nil {
				return nil, nil, fmt.Errorf("layer %q: %w", l.Name, err)
			}
			l.inbound = append(l.inbound, r)
		}
	}
	return &f, &m, nil
}

package tfjs

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// modelFile is the TFJS graph-model model.json (tfjs-converter "graph-model" format).
type modelFile struct {
	Format        string `json:"format"`
	ModelTopology struct {
		Node []nodeDef `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []weightGroup `json:"weightsManifest"`
	Signature       *struct {
		Inputs  map[string]tensorInfo `json:"inputs"`
		Outputs map[string]tensorInfo `json:"outputs"`
	} `json:"signature"`
}

// tensorInfo is one signature entry: the TF tensor name ("Identity:0"), dtype and shape.
type tensorInfo struct {
	Name        string      `json:"name"`
	Dtype       string      `json:"dtype"`
	TensorShape *shapeProto `json:"tensorShape"`
}

// nodeDef is a TF NodeDef as JSON (proto3 JSON mapping: int64 as strings, bytes as base64).
type nodeDef struct {
	Name  string               `json:"name"`
	Op    string               `json:"op"`
	Input []string             `json:"input"`
	Attr  map[string]attrValue `json:"attr"`
}

// attrValue is a TF AttrValue; only the fields the importer reads are decoded.
type attrValue struct {
	S     *string     `json:"s"`
	I     *flexInt    `json:"i"`
	F     *flexFloat  `json:"f"`
	B     *bool       `json:"b"`
	Type  *string     `json:"type"`
	Shape *shapeProto `json:"shape"`
	List  *struct {
		S    []string    `json:"s"`
		I    []flexInt   `json:"i"`
		F    []flexFloat `json:"f"`
		Type []string    `json:"type"`
	} `json:"list"`
}

// shapeProto is a TF TensorShapeProto; size -1 is an unknown dimension.
type shapeProto struct {
	Dim         []struct{ Size flexInt } `json:"dim"`
	UnknownRank bool                     `json:"unknownRank"`
}

// flexInt accepts a JSON number or a decimal string (proto3 JSON writes int64 as strings).
type flexInt int64

func (v *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("integer %s: %w", b, err)
	}
	*v = flexInt(n)
	return nil
}

// flexFloat accepts a JSON number or a string such as "NaN" or "Infinity".
type flexFloat float64

func (v *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("float %s: %w", b, err)
	}
	*v = flexFloat(f)
	return nil
}

// parseModel decodes model.json and checks it is a graph model.
func parseModel(data []byte) (*modelFile, error) {
	var m modelFile
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: model.json: %w", ErrBadModel, err)
	}
	if m.Format != "" && m.Format != "graph-model" {
		return nil, fmt.Errorf("%w: format %q is not a graph-model", ErrBadModel, m.Format)
	}
	if len(m.ModelTopology.Node) == 0 {
		return nil, fmt.Errorf("%w: modelTopology has no nodes", ErrBadModel)
	}
	return &m, nil
}

// attr helpers: each returns the attribute or a default when absent.

func (n *nodeDef) attrInt(name string, def int64) int64 {
	if a, ok := n.Attr[name]; ok && a.I != nil {
		return int64(*a.I)
	}
	return def
}

func (n *nodeDef) attrFloat(name string, def float64) float64 {
	if a, ok := n.Attr[name]; ok && a.F != nil {
		return float64(*a.F)
	}
	return def
}

func (n *nodeDef) attrBool(name string) bool {
	if a, ok := n.Attr[name]; ok && a.B != nil {
		return *a.B
	}
	return false
}

func (n *nodeDef) attrType(name string) string {
	if a, ok := n.Attr[name]; ok && a.Type != nil {
		return *a.Type
	}
	return ""
}

// attrString decodes a bytes attribute (base64 in JSON).
func (n *nodeDef) attrString(name string) (string, error) {
	a, ok := n.Attr[name]
	if !ok || a.S == nil {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(*a.S)
	if err != nil {
		return "", fmt.Errorf("%w: attribute %s: %w", ErrBadModel, name, err)
	}
	return string(b), nil
}

func (n *nodeDef) attrInts(name string) []int64 {
	a, ok := n.Attr[name]
	if !ok || a.List == nil {
		return nil
	}
	out := make([]int64, len(a.List.I))
	for i, v := range a.List.I {
		out[i] = int64(v)
	}
	return out
}

func (n *nodeDef) attrStrings(name string) ([]string, error) {
	a, ok := n.Attr[name]
	if !ok || a.List == nil {
		return nil, nil
	}
	out := make([]string, len(a.List.S))
	for i, v := range a.List.S {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("%w: attribute %s: %w", ErrBadModel, name, err)
		}
		out[i] = string(b)
	}
	return out, nil
}

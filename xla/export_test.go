package xla

import "github.com/vivid-ml/vivid-ml-engine/engine/infer"

// WeightDims is the device shape of each of an opened model's weights (for tests).
func WeightDims(mod infer.Model) map[string][]int {
	m := mod.(*model)
	out := map[string][]int{}
	for i, name := range m.wNames {
		sh, err := m.b.be.BufferShape(m.wBufs[i])
		if err != nil {
			panic(err)
		}
		out[name] = sh.Dimensions
	}
	return out
}

// SetPluginEnv is setPluginEnv (for tests).
var SetPluginEnv = setPluginEnv

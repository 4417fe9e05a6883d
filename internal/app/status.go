package app

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// defaultStatus is the status page's view of env: stage rates and latency percentiles
// from env.Stats, every parameter under its OSC address with its range, the mapping
// files in force with their last error, the learn state and the provider per model.
func defaultStatus(env *runEnv) preview.EngineStatus {
	st := preview.EngineStatus{Control: "read-only"}
	if env.Stats != nil {
		s := env.Stats()
		groups := []engine.OperatorStats{{Name: "capture", StageStats: s.Capture}}
		groups = append(groups, s.Operators...)
		for _, g := range append(groups, engine.OperatorStats{Name: "loop", StageStats: s.Loop}) {
			if g.Frames > 0 || g.Name == "capture" {
				st.Stages = append(st.Stages, preview.StageStatus{Name: g.Name, FPS: g.FPS, LatencyMS: g.LatencyMs,
					P50MS: g.LatencyP50Ms, P99MS: g.LatencyP99Ms})
			}
		}
	}
	if env.Params != nil {
		p := env.Params.Load()
		st.Params = p
		st.Parameters = paramStatus(p, env.specs())
	}
	if env.ControlState != nil {
		cs := env.ControlState()
		var files []string
		for _, f := range cs.Files {
			files = append(files, fmt.Sprintf("%s (%s, %d)", f.Path, f.Kind, f.Rules))
			if f.LastError != "" && st.MappingError == "" {
				st.MappingError = f.LastError
			}
			st.Files = append(st.Files, preview.FileStatus{Path: f.Path, Kind: f.Kind, Rules: f.Rules, LastError: f.LastError, ErrorAt: f.ErrorAt})
		}
		st.Mapping = strings.Join(files, ", ")
		st.Learn = preview.LearnStatus{Target: cs.Learning, Learned: cs.Learned, Refused: cs.Refused}
	}
	if env.ModelProviders != nil {
		st.Models = env.ModelProviders()
	}
	st.GPUs, st.GPUNote = gpuStatus(time.Now())
	return st
}

// gpuCache holds the GPU inventory for the status page, asked for at most every 5 s.
var gpuCache struct {
	sync.Mutex
	at    time.Time
	lines []string
	note  string
}

// gpuStatus is one line per CUDA device (name, VRAM total and free), or why there is none.
func gpuStatus(now time.Time) ([]string, string) {
	gpuCache.Lock()
	defer gpuCache.Unlock()
	if !gpuCache.at.IsZero() && now.Sub(gpuCache.at) < 5*time.Second {
		return gpuCache.lines, gpuCache.note
	}
	gpuCache.at = now
	infos, err := gpu.Devices()
	gpuCache.lines, gpuCache.note = nil, ""
	switch {
	case errors.Is(err, gpu.ErrNoCUDA):
		gpuCache.note = "built without CUDA (the CUDA variant: make cuda)"
	case err != nil:
		gpuCache.note = err.Error()
	case len(infos) == 0:
		gpuCache.note = "no CUDA devices"
	}
	for _, i := range infos {
		gpuCache.lines = append(gpuCache.lines, i.String())
	}
	return gpuCache.lines, gpuCache.note
}

// paramStatus lists every parameter of p under its OSC address (docs/control.md), each with
// the operators (of specs) that read it.
func paramStatus(p *engine.Params, specs []engine.OperatorSpec) []preview.ParamStatus {
	readers := map[string][]string{}
	for _, s := range specs {
		for _, name := range s.Params {
			readers[name] = append(readers[name], s.Name)
		}
	}
	out := make([]preview.ParamStatus, 0, len(engine.ParamSpecs))
	for _, s := range engine.ParamSpecs {
		v, _ := p.GetParam(s.Name)
		ps := preview.ParamStatus{Address: "/vivid/" + s.Name, Value: v, Operators: readers[s.Name]}
		switch s.Kind {
		case engine.KindFloat, engine.KindInt:
			ps.Kind = "float"
			if s.Kind == engine.KindInt {
				ps.Kind = "int"
			}
			lo, hi := s.Min, s.Max
			ps.Min, ps.Max = &lo, &hi
		case engine.KindBool:
			ps.Kind = "on/off"
		default:
			ps.Kind = "text"
		}
		out = append(out, ps)
	}
	return out
}

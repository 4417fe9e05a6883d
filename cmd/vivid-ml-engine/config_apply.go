package main

import (
	"flag"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/output/shm"
	"github.com/vivid-ml/vivid-ml-engine/output/spout"
	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

// applyConfig fills run's options from the config, except where a flag was given on the
// command line: precedence is embedded default < config file < flags, and a repeatable
// flag replaces the config's list. Call it after the flags are parsed and cfg validated
// (runFlags.apply has put the flags that override config keys into cfg).
func applyConfig(k *runCommandFlags, cfg *runConfig) {
	set := map[string]bool{}
	k.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, apply := range configAppliers(cfg, k) {
		if !set[name] {
			apply()
		}
	}
}

// configAppliers maps each run flag a config key stands for to the function copying
// that key into the options (TestConfigAppliersNameRunFlags checks that every run flag is
// here or in configOverrides, and every name here is a flag).
func configAppliers(cfg *runConfig, k *runCommandFlags) map[string]func() {
	c, d, o, op := &cfg.Control, &cfg.Diffusion, &cfg.Outputs, &cfg.Operators
	co, do, oo, so, bf, cf := k.co, k.do, k.oo, k.so, k.bf, k.cf
	pf := do.flags
	return map[string]func(){
		"osc-in":    func() { co.oscIn = c.OSCIn },
		"osc-allow": func() { co.oscAllow = listOf(c.OSCAllow) },
		"feedback":  func() { co.feedback = listOf(c.Feedback) },
		"mapping":   func() { co.mappings = listOf(c.Mappings) },
		"presets":   func() { co.presets = c.Presets },
		"midi-in":   func() { co.midiIn = c.MIDIIn },
		"midi-out":  func() { co.midiOut = c.MIDIOut },

		"diffusion-model":            func() { do.model = d.Model },
		"diffusion-size":             func() { do.size = d.Size },
		"diffusion-similar":          func() { do.similar = d.Similar },
		"diffusion-max-skip":         func() { do.maxSkip = d.MaxSkip },
		"diffusion-slerp":            func() { do.slerp = d.Slerp },
		"diffusion-providers":        func() { pf.providers = d.Providers },
		"diffusion-threads":          func() { pf.threads = d.Threads },
		"diffusion-device":           func() { pf.deviceID = d.Device },
		"diffusion-cuda-mem-limit":   func() { pf.cudaMemLimit = d.CUDAMemLimit },
		"diffusion-trt-cache":        func() { pf.trtCache = d.TRTCache },
		"diffusion-trt-fp16":         func() { pf.trtFP16 = d.TRTFP16 },
		"diffusion-trt-timing-cache": func() { pf.trtTiming = d.TRTTimingCache },
		"diffusion-trt-dynamic":      func() { pf.trtDynamic = d.TRTDynamic },
		"diffusion-taesd":            func() { pf.taesd = d.TAESD },
		"diffusion-scheduler":        func() { pf.scheduler = d.Scheduler },
		"diffusion-cuda-options":     func() { pf.cudaOptions = d.CUDAOptions },
		"diffusion-cuda-device-io":   func() { pf.deviceIO = d.CUDADeviceIO },
		"diffusion-rng":              func() { pf.rng = d.RNG },
		"diffusion-eta":              func() { pf.eta = d.Eta },

		"shm-out":         func() { oo.shmOut = shmSpecs(o.SHM, shm.CheckName) },
		"td-shm":          func() { oo.tdShm = shmSpecs(o.TDSHM, tdshm.CheckName) },
		"spout-out":       func() { oo.spoutOut = shmSpecs(o.Spout, spout.CheckName) },
		"shm-slots":       func() { oo.shmSlots = o.SHMSlots },
		"http":            func() { oo.http = o.HTTP },
		"http-allow-host": func() { oo.httpHosts = listOf(o.HTTPAllowHosts) },
		"record":          func() { oo.record = o.Record.Path },
		"record-stream":   func() { oo.recordStream = o.Record.Stream },
		"record-fps":      func() { oo.recordFPS = o.Record.FPS },

		"segment":            func() { so.segment = op.Segment.Enabled },
		"segment-model":      func() { so.segmentModel = op.Segment.Model },
		"segment-color":      func() { so.segmentColor = op.Segment.Color },
		"upscale":            func() { so.upscale = op.Upscale.Scale },
		"upscale-model":      func() { so.upscaleModel = op.Upscale.Model },
		"upscale-stream":     func() { so.upscaleIn = op.Upscale.Stream },
		"operator-providers": func() { so.providers = op.Providers },
		"operator-threads":   func() { so.threads = op.Threads },

		"backend":          func() { bf.applyConfig(cfg.Backend, "") },
		"pjrt-plugin":      func() { bf.applyConfig("", cfg.PJRTPlugin) },
		"xla-mem-fraction": func() { bf.memFraction = cfg.XLAMemFraction },
		"xla-preallocate":  func() { bf.preallocate = cfg.XLAPreallocate },

		"log-level":  func() { cf.LogLevel = cfg.Log.Level },
		"log-format": func() { cf.LogFormat = cfg.Log.Format },
		"cache-dir":  func() { cf.CacheDir = cfg.Models.CacheDir },
		"offline":    func() { cf.Offline = cfg.Models.Offline },
		"ort-lib":    func() { cf.ORTLib = cfg.Models.ORTLib },
		"frames":     func() { k.rf.frames = cfg.Frames },
	}
}

// listOf copies a config list for a repeatable flag's option (nil when empty, as the flag leaves it).
func listOf(s []string) stringList {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// shmSpecs parses validated NAME[:stream] entries (validate has rejected bad ones).
func shmSpecs(list []string, check func(string) error) []shmOutSpec {
	var out []shmOutSpec
	for _, v := range list {
		if s, err := parseShmSpec(v, check); err == nil {
			out = append(out, s)
		}
	}
	return out
}

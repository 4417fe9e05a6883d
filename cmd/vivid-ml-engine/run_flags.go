package main

import (
	"flag"
	"strings"
)

// repeatedFlag collects every value of a repeatable string flag.
type repeatedFlag []string

func (r *repeatedFlag) String() string     { return strings.Join(*r, ",") }
func (r *repeatedFlag) Set(v string) error { *r = append(*r, v); return nil }

// runFlags are run's own flags (a stable interface: scripts and docs use them).
type runFlags struct {
	config        string
	source        string
	poseModel     string
	poseProviders string
	oscOut        repeatedFlag
	frames        uint64
}

// runCommandFlags are every flag of `run`; `check` takes the same command line.
type runCommandFlags struct {
	fs *flag.FlagSet
	cf *commonFlags
	rf runFlags
	co *controlOptions
	do *diffusionOptions
	bf *backendFlags
	oo *outputOptions
	so *operatorOptions
}

// newRunCommandFlags registers run's flags on a flag set called name.
func newRunCommandFlags(name string) *runCommandFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	k := &runCommandFlags{fs: fs, cf: addCommonFlags(fs)}
	rf := &k.rf
	fs.StringVar(&rf.config, "config", "", "config file (YAML, docs/config.md; flags given here override it; default: the embedded config)")
	fs.StringVar(&rf.source, "source", "", "frame source: testpattern, an image/video file or folder, ffmpeg:<input args>, /dev/videoN, stdin:WxH")
	fs.StringVar(&rf.poseModel, "pose-model", "", "movenet-lightning, movenet-thunder or movenet-multipose")
	fs.StringVar(&rf.poseProviders, "pose-providers", "", "pose execution providers in order, e.g. cuda,cpu (default: the config's pose.providers, cpu)")
	fs.Var(&rf.oscOut, "osc-out", "OSC pose target HOST:PORT (repeatable; replaces the config's targets)")
	fs.Uint64Var(&rf.frames, "frames", 0, "stop after N frames (0: run until interrupted)")
	k.co = registerControlFlags(fs)
	k.do = registerDiffusionFlags(fs)
	k.bf = addBackendFlags(fs)
	k.do.flags.backend = k.bf
	k.oo = registerOutputFlags(fs)
	k.so = registerOperatorFlags(fs)
	return k
}

// configOverrides are the run flags that are written into the config (runFlags.apply)
// rather than taken from it, with the key each one replaces.
var configOverrides = map[string]string{
	"config": "", "source": "source.spec", "pose-model": "pose.model", "pose-providers": "pose.providers", "osc-out": "osc_out.targets",
}

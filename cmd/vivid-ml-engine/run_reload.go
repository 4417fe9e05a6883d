package main

import (
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// configReloader re-reads the config file on SIGHUP, all or nothing: a file that
// fails to load or validate leaves everything as it is and is logged with its
// line:column. A valid file's pose settings take effect at once (they are live
// parameters); other changed sections are named in the log, since they need a
// restart. Mapping and presets files are reloaded on SIGHUP by control itself.
type configReloader struct {
	path    string
	flags   *runFlags
	params  *engine.ParamStore
	log     *slog.Logger
	current *runConfig

	hup  chan os.Signal
	stop chan struct{}
	done chan struct{}
}

// startConfigReloader starts the SIGHUP loop; with no config file it does nothing.
func startConfigReloader(path string, flags *runFlags, cfg *runConfig, params *engine.ParamStore, log *slog.Logger) *configReloader {
	r := &configReloader{path: path, flags: flags, params: params, log: log, current: cfg,
		hup: make(chan os.Signal, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if path == "" {
		close(r.done)
		return r
	}
	signal.Notify(r.hup, syscall.SIGHUP)
	go r.run()
	return r
}

func (r *configReloader) run() {
	defer close(r.done)
	defer signal.Stop(r.hup)
	for {
		select {
		case <-r.stop:
			return
		case <-r.hup:
			r.reload()
		}
	}
}

// reload applies the config file once.
func (r *configReloader) reload() {
	next, err := loadRunConfig(r.path)
	if err == nil {
		err = r.flags.apply(next)
	}
	if err != nil {
		r.log.Error("config reload failed; keeping the running config", "file", r.path, "err", err)
		return
	}
	old := r.current
	var live, restart []string
	for _, f := range changedFields(old.Pose, next.Pose) {
		if livePoseFields[f] {
			live = append(live, f)
		} else {
			restart = append(restart, f)
		}
	}
	if len(live) > 0 {
		was, now := old.Pose.params(engine.Params{}), next.Pose.params(engine.Params{})
		r.params.Update(func(p *engine.Params) {
			// Only what the file changed: a controller's live changes to the rest stay.
			if was.PoseEnabled != now.PoseEnabled {
				p.PoseEnabled = now.PoseEnabled
			}
			if was.PoseModel != now.PoseModel {
				p.PoseModel = now.PoseModel
			}
			if was.PoseSmoothing != now.PoseSmoothing {
				p.PoseSmoothing = now.PoseSmoothing
			}
			if was.PoseMinScore != now.PoseMinScore {
				p.PoseMinScore = now.PoseMinScore
			}
		})
		r.log.Info("config reload: pose settings applied", "fields", live, "model", next.Pose.Model, "enabled", next.Pose.Enabled)
	}
	if len(restart) > 0 {
		r.log.Warn("config reload: pose fields changed that apply only at start; restart the engine to apply them", "section", "pose", "fields", restart)
	}
	for _, s := range []struct {
		name     string
		was, now any
	}{
		{"source", old.Source, next.Source},
		{"osc_out", old.OSCOut, next.OSCOut},
		{"control", old.Control, next.Control},
		{"diffusion", old.Diffusion, next.Diffusion},
		{"outputs", old.Outputs, next.Outputs},
		{"operators", old.Operators, next.Operators},
		{"log", old.Log, next.Log},
		{"models", old.Models, next.Models},
	} {
		if !reflect.DeepEqual(s.was, s.now) {
			r.log.Warn("config reload: section changed; restart the engine to apply it", "section", s.name, "fields", changedFields(s.was, s.now))
		}
	}
	for _, k := range []struct {
		name     string
		was, now any
	}{
		{"backend", old.Backend, next.Backend}, {"pjrt_plugin", old.PJRTPlugin, next.PJRTPlugin},
		{"xla_mem_fraction", old.XLAMemFraction, next.XLAMemFraction}, {"xla_preallocate", old.XLAPreallocate, next.XLAPreallocate},
		{"frames", old.Frames, next.Frames},
	} {
		if k.was != k.now {
			r.log.Warn("config reload: key changed; restart the engine to apply it", "key", k.name)
		}
	}
	r.current = next
	r.log.Info("config reloaded", "file", r.path)
}

// Close stops the loop and waits for it.
func (r *configReloader) Close() error {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
	return nil
}

// livePoseFields are the pose keys a reload applies at once (they are live parameters,
// see poseConfig.params); every other pose key is read only at start.
var livePoseFields = map[string]bool{"enabled": true, "model": true, "smoothing": true, "min_keypoint_score": true}

// changedFields lists the yaml names of the top-level fields that differ between two
// values of the same struct type.
func changedFields(was, now any) []string {
	a, b := reflect.ValueOf(was), reflect.ValueOf(now)
	if a.Kind() != reflect.Struct || a.Type() != b.Type() {
		return nil
	}
	var out []string
	for i := range a.NumField() {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("yaml"), ",")
			if name == "" {
				name = a.Type().Field(i).Name
			}
			out = append(out, name)
		}
	}
	return out
}

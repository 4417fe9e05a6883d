package app

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// reloader is the one owner of reloading in a run: SIGHUP, /vivid/reload (control's
// OnReload), and file watch events on the mapping and presets files all come here, and one
// goroutine applies them in order. A full reload (SIGHUP, /vivid/reload) re-reads the config
// file all or nothing — a file that fails to load or validate leaves everything as it is and
// is logged with its line:column; a valid file's pose settings take effect at once (they are
// live parameters) and other changed sections are named in the log, since they need a
// restart — then re-arms the watcher and reloads every mapping and presets file (each valid
// file replaces its rules, an invalid one keeps the old and is reported on /vivid/error).
// A watch event reloads just that file. Models are never reloaded.
type reloader struct {
	path    string
	overlay func(*conf.Config)
	params  *engine.ParamStore
	log     *slog.Logger
	current *conf.Config

	ctl     *control.Controller
	watcher *mapping.Watcher

	// in
	all  chan struct{} // a full reload was asked for (one pending is enough)
	file chan string   // a watched file changed
	hup  chan os.Signal
	stop chan struct{}
	// out
	done chan struct{}
}

// newReloader returns a reloader for the run's options; start begins it.
func newReloader(o Options, params *engine.ParamStore, log *slog.Logger) *reloader {
	return &reloader{path: o.Path, overlay: o.Overlay, params: params, log: log, current: o.Config,
		all: make(chan struct{}, 1), file: make(chan string, 16), hup: make(chan os.Signal, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
}

// requestAll asks for a full reload without blocking (control's /vivid/reload hook).
func (r *reloader) requestAll() {
	select {
	case r.all <- struct{}{}:
	default:
	}
}

// start watches the control section's mapping and presets files, installs the SIGHUP
// handler and starts the goroutine.
func (r *reloader) start(ctl *control.Controller, c conf.Control) error {
	r.ctl = ctl
	files := append([]string{}, c.Mappings...)
	if c.Presets != "" {
		files = append(files, c.Presets)
	}
	if len(files) > 0 {
		r.watcher = &mapping.Watcher{Files: files, Logger: r.log, OnChange: func(path string) {
			select {
			case r.file <- path:
			case <-r.stop:
			}
		}}
		if err := r.watcher.Initialize(); err != nil {
			return fmt.Errorf("watching mapping files: %w", err)
		}
	}
	signal.Notify(r.hup, syscall.SIGHUP)
	go r.run()
	return nil
}

func (r *reloader) run() {
	defer close(r.done)
	defer signal.Stop(r.hup)
	for {
		select {
		case <-r.stop:
			return
		case <-r.hup:
			r.log.Info("SIGHUP: reloading the config, mapping and presets files")
			r.reloadAll()
		case <-r.all:
			r.log.Info("/vivid/reload: reloading the config, mapping and presets files")
			r.reloadAll()
		case path := <-r.file:
			_ = r.ctl.ReloadFile(path) // errors are logged and sent as /vivid/error by the controller
		}
	}
}

// reloadAll is a full reload: the config file, then every mapping and presets file.
func (r *reloader) reloadAll() {
	if r.path != "" {
		r.reloadConfig()
	}
	if r.watcher != nil {
		r.watcher.Rearm() // follow folders and links that changed under a missed event
	}
	if r.ctl != nil {
		_ = r.ctl.Reload() // errors are logged and sent as /vivid/error by the controller
	}
}

// reloadConfig applies the config file once, all or nothing.
func (r *reloader) reloadConfig() {
	next, err := conf.Load(r.path)
	if err == nil && r.overlay != nil {
		r.overlay(next)
		err = next.Validate()
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
		was, now := old.Pose.Params(engine.Params{}), next.Pose.Params(engine.Params{})
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
		{"backend", old.Backend, next.Backend}, {"frames", old.Frames, next.Frames},
	} {
		if !reflect.DeepEqual(k.was, k.now) {
			r.log.Warn("config reload: key changed; restart the engine to apply it", "key", k.name)
		}
	}
	r.current = next
	r.log.Info("config reloaded", "file", r.path)
}

// Close stops the watcher and the goroutine and waits for them.
func (r *reloader) Close() error {
	close(r.stop)
	var err error
	if r.watcher != nil {
		err = r.watcher.Close()
	}
	<-r.done
	return err
}

// livePoseFields are the pose keys a reload applies at once (they are live parameters,
// see conf.Pose.Params); every other pose key is read only at start.
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

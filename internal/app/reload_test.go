package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReloaderOwnsReloads: /vivid/reload (control's hook) reloads the config file all or
// nothing — the live pose keys apply, the command line still wins, a broken file changes
// nothing — and a mapping file change reaches the controller through the reloader's watcher.
func TestReloaderOwnsReloads(t *testing.T) {
	dir := t.TempDir()
	cfgPath, mapPath := filepath.Join(dir, "show.yaml"), filepath.Join(dir, "m.yaml")
	write(t, cfgPath, "pose:\n  smoothing: true\n  min_keypoint_score: 0.2\n")
	write(t, mapPath, "rules:\n  - osc: {address: /1/fader1}\n    target: strength\n")
	cfg, err := conf.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Control.Mappings = []string{mapPath}
	overlay := func(c *conf.Config) { c.Pose.MinKeypointScore = 0.3; c.Control.Mappings = []string{mapPath} } // "flags"
	overlay(cfg)
	params := engine.NewParamStore(cfg.Pose.Params(engine.DefaultParams()))
	log := slog.New(slog.DiscardHandler)
	rel := newReloader(Options{Config: cfg, Path: cfgPath, Overlay: overlay}, params, log)
	ctl, err := control.New(control.Config{Logger: log, Params: params, MappingFiles: cfg.Control.Mappings, NoWatch: true,
		OnReload: rel.requestAll})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ctl.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := rel.start(ctl, cfg.Control); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rel.Close(); err != nil {
			t.Error(err)
		}
	})

	// A broken file: nothing changes.
	write(t, cfgPath, "pose:\n  smoothng: false\n")
	rel.reloadConfig()
	if p := params.Load(); !p.PoseSmoothing || rel.current != cfg {
		t.Fatal("a broken config was applied")
	}
	// A valid one: the live key applies; the flag keeps min_keypoint_score.
	write(t, cfgPath, "pose:\n  smoothing: false\n  min_keypoint_score: 0.9\n")
	rel.reloadConfig()
	if p := params.Load(); p.PoseSmoothing || p.PoseMinScore != 0.3 {
		t.Fatalf("after reload: smoothing %v, min score %v; want false, 0.3 (the flag)", p.PoseSmoothing, p.PoseMinScore)
	}
	// A mapping edit reaches the controller through the reloader's watcher.
	write(t, mapPath, "rules:\n  - osc: {address: /1/fader1}\n    target: blend\n")
	for ctl.Stats().ReloadsOK == 0 { // wait for the reload the watch event triggers
		time.Sleep(5 * time.Millisecond)
	}
	if r := ctl.Rules(); len(r) != 1 || r[0].Target() != "blend" {
		t.Fatalf("rules after the mapping edit: %v (stats %+v)", r, ctl.Stats())
	}
}

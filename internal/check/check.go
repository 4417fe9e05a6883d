// Package check holds the body of the `check` command: it validates a run's config (with
// the command line over it, as run would), its source spec, mapping and presets files, the
// models it needs and its diffusion folder, one printed line per item. The flags are run's
// and are parsed in cmd/vivid-ml-engine.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/internal/strictyaml"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
	"github.com/vivid-ml/vivid-ml-engine/models"
)

// checker prints one line per item and counts the failures.
type checker struct {
	out           io.Writer
	log           *slog.Logger
	items, failed int
}

// Config is what Run checks: check takes run's command line, so Path is --config and
// Overlay puts the flags given on the command line over the loaded file (as run does).
type Config struct {
	Path    string             // the config file; empty: the embedded default
	Overlay func(*conf.Config) // the command line's flags over a loaded config; nil: none
	Logger  *slog.Logger
}

// Result counts the items Run checked and how many of them were bad.
type Result struct{ Items, Failed int }

// Run checks every item and writes one "ok KIND WHAT" or "error KIND MESSAGE" line per
// item to out.
func Run(ctx context.Context, c Config, out io.Writer) Result {
	k := &checker{out: out, log: c.Logger}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	overlay := c.Overlay
	if overlay == nil {
		overlay = func(*conf.Config) {}
	}
	k.run(ctx, c.Path, overlay)
	return Result{Items: k.items, Failed: k.failed}
}

func (c *checker) ok(kind, what string) {
	c.items++
	_, _ = fmt.Fprintf(c.out, "ok %s %s\n", kind, what) // stdout: nothing to do if it fails
}

func (c *checker) bad(kind, msg string) {
	c.items++
	c.failed++
	_, _ = fmt.Fprintf(c.out, "error %s %s\n", kind, msg)
}

// run checks every item: config (with run's flag overrides), source, mappings,
// presets, models, diffusion folder. Mapping, presets and diffusion come from the
// flags, else from the config, as in run.
func (c *checker) run(ctx context.Context, path string, overlay func(*conf.Config)) {
	name := path
	if name == "" {
		name = "(embedded default)"
	}
	cfg, err := conf.Load(path)
	switch {
	case err != nil:
		c.bad("config", ConfigErrorLine(path, err))
		cfg = nil
	default:
		overlay(cfg)
		if err := cfg.Validate(); err != nil {
			c.bad("flags", valueMsg(err))
			cfg = nil
			break
		}
		c.ok("config", name)
		c.checkSource(cfg)
	}
	rest := cfg // what the remaining checks read: without a valid config, the defaults under the flags
	if rest == nil {
		if rest, err = conf.Default(); err != nil {
			c.bad("config", err.Error())
			return
		}
		overlay(rest)
	}
	for _, f := range rest.Control.Mappings {
		m, err := mapping.Load(f)
		if err != nil {
			c.bad("mapping", fileErrorLine("mapping", f, err))
			continue
		}
		c.ok("mapping", fmt.Sprintf("%s (%d rules)", f, len(m.Rules)))
	}
	if p := rest.Control.Presets; p != "" {
		ps, err := mapping.LoadPresets(p)
		if err != nil {
			c.bad("presets", fileErrorLine("presets", p, err))
		} else {
			c.ok("presets", fmt.Sprintf("%s (%d presets)", p, ps.Len()))
		}
	}
	var need []string
	if cfg != nil && cfg.Pose.Enabled {
		need = append(need, cfg.Pose.Model)
	}
	rt := app.NewRuntime(rest.Models, rest.Backend, c.log)
	defer rt.Close()
	if len(need) > 0 || rest.Diffusion.Model != "" {
		c.checkModels(ctx, rt, rest.Models, need)
	}
	if rest.Diffusion.Model != "" {
		c.checkDiffusion(ctx, rt, rest.Diffusion)
	}
}

// valueMsg is a validation error's message without the "config: " prefix.
func valueMsg(err error) string {
	var ve *conf.ValueError
	if errors.As(err, &ve) {
		return ve.Msg()
	}
	return err.Error()
}

// checkSource parses the source spec as run would, without opening it.
func (c *checker) checkSource(cfg *conf.Config) {
	src, err := engine.ParseSource(cfg.Source.Spec, engine.SourceOptions{
		Width: cfg.Source.Width, Height: cfg.Source.Height, FPS: cfg.Source.FPS, Stdin: strings.NewReader(""),
	})
	if err != nil {
		c.bad("source", err.Error())
		return
	}
	c.ok("source", src.Name())
}

// checkModels checks ONNX Runtime and the named models. Offline: Verify (rehash,
// fetch nothing; see verifyOffline). Online: Path, which fetches or converts a
// missing or bad model as run would, then verifies it.
func (c *checker) checkModels(ctx context.Context, rt *app.Runtime, mc conf.Models, names []string) {
	st, err := rt.Store()
	if err != nil {
		c.bad("models", err.Error())
		return
	}
	lib := mc.ORTLib
	if lib == "" {
		lib = os.Getenv("ONNXRUNTIME_LIB")
	}
	if lib != "" {
		if _, err := os.Stat(lib); err != nil {
			c.bad("runtime", err.Error())
		} else {
			c.ok("runtime", lib)
		}
	} else {
		names = append([]string{"onnxruntime"}, names...)
	}
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			c.bad("model", fmt.Sprintf("%s: %v", n, err))
			return
		}
		if st.Offline() {
			c.verifyOffline(ctx, st, n)
			continue
		}
		p, err := st.Path(ctx, n)
		if err != nil {
			c.bad("model", fmt.Sprintf("%s: %v", n, err))
			continue
		}
		c.ok("model", fmt.Sprintf("%s %s", n, p))
	}
}

// verifyOffline rehashes a model. A converted model that fails but whose source
// verifies is ok: run converts it again at start, offline too (the line says why).
func (c *checker) verifyOffline(ctx context.Context, st *models.Store, name string) {
	e, err := st.Entry(name)
	if err != nil {
		c.bad("model", err.Error())
		return
	}
	err = st.Verify(ctx, name)
	if err == nil {
		c.ok("model", fmt.Sprintf("%s %s", name, st.EntryDir(e)))
		return
	}
	if e.Source.Type == models.SourceDerived {
		serr := st.Verify(ctx, e.Source.From)
		if serr == nil {
			c.ok("model", fmt.Sprintf("%s %s (run converts it again from %s at start: %v)", name, st.EntryDir(e), e.Source.From, err))
			return
		}
		err = errors.Join(err, serr)
	}
	c.bad("model", fmt.Sprintf("%s: %v", name, strings.ReplaceAll(err.Error(), "\n", "; ")))
}

// checkDiffusion loads the diffusion folder as run would (tokenizers, scheduler, every
// ONNX model on the configured providers) and closes it again.
func (c *checker) checkDiffusion(ctx context.Context, rt *app.Runtime, d conf.Diffusion) {
	if d.Size < 8 || d.Size%8 != 0 {
		c.bad("diffusion", fmt.Sprintf("%s: size %d: want a positive multiple of 8", d.Model, d.Size))
		return
	}
	p, err := app.OpenPipeline(ctx, rt, d, c.log)
	if err != nil {
		c.bad("diffusion", fmt.Sprintf("%s: %v", d.Model, err))
		return
	}
	desc := fmt.Sprintf("%s (scheduler %s, providers %s)", d.Model, p.SchedulerName(), strings.Join(p.Providers(), ","))
	if err := p.Close(); err != nil {
		c.bad("diffusion", fmt.Sprintf("%s: close: %v", d.Model, err))
		return
	}
	c.ok("diffusion", desc)
}

// ConfigErrorLine formats conf.Load's error as "FILE:LINE:COL: message" for a decoding
// error, "FILE: message" for an invalid value, and the os error (which names the file) when
// the file cannot be read.
func ConfigErrorLine(path string, err error) string {
	file := path
	if file == "" {
		file = "(embedded default)"
	}
	var se *strictyaml.Error
	var pe *os.PathError
	var ve *conf.ValueError
	switch {
	case errors.As(err, &se) && se.Line > 0:
		msg := se.Msg
		for _, m := range se.More {
			msg += "; " + m.Error()
		}
		return fmt.Sprintf("%s:%d:%d: %s", file, se.Line, se.Column, msg)
	case errors.As(err, &se):
		return file + ": " + se.Error()
	case errors.As(err, &pe):
		return pe.Error()
	case errors.As(err, &ve):
		return file + ": " + ve.Msg()
	}
	return file + ": " + err.Error()
}

// fileErrorLine formats a mapping/presets load error: a positioned error prints as
// FILE:LINE:COL: message; a read error as "FILE: reason".
func fileErrorLine(kind, path string, err error) string {
	var pe *mapping.PosError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	msg := strings.TrimPrefix(err.Error(), kind+" "+path+": ")
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		msg = pathErr.Op + ": " + pathErr.Err.Error()
	}
	return path + ": " + msg
}

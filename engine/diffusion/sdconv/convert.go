package sdconv

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Options control Convert.
type Options struct {
	FP16  bool   // float16 UNet and text encoders (the VAE stays float32 when its config says force_upcast)
	LoRAs []LoRA // fused into the UNet (and text encoders when the files have lora_te weights)
	// Base is a diffusers folder that supplies configs, tokenizers, the scheduler config
	// and every component the source lacks (a UNet-only file needs one).
	Base     string
	Progress func(done, total int64) // bytes of weights written
	// Parts, when set, limits the models built to these output folders (e.g. "unet").
	Parts  []string
	Logger *slog.Logger
}

// Result says what Convert read and wrote.
type Result struct {
	Sources []string // weight files read (the source and LoRAs), for the sidecar
	Models  []string // model files written, relative to the output folder
	// Warnings are things the folder lacks that the pipeline needs (e.g. tokenizers).
	Warnings []string
	// Hashes are the sha256 of the model files written (paths relative to the output
	// folder), computed while writing; SourceHashes those of Sources, computed while
	// converting. WriteSidecar uses them instead of reading gigabytes a second time.
	Hashes       []FileHash
	SourceHashes []FileHash
}

// component is one model of the output folder and where its weights come from.
type component struct {
	sub   string // output subfolder
	build func() (*graph, error)
}

// Convert turns SRC — a diffusers folder (save_pretrained layout) or a single
// .safetensors file (SGM/ldm names, or a UNet-only file with diffusers names) — into
// a diffusers ONNX folder OUT in Optimum's layout.
func Convert(src, out string, o Options) (*Result, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("sdconv: %w", err)
	}
	var p *plan
	if st.IsDir() {
		p, err = planFolder(src, o, false)
	} else {
		p, err = planFile(src, o)
	}
	if err != nil {
		return nil, err
	}
	defer p.close()
	if err := p.fuse(o.LoRAs); err != nil {
		return nil, err
	}
	// hash the sources while converting (a 10 GB UNet file takes seconds to hash)
	srcHashes := hashAsync(p.sources)
	defer srcHashes.join() // never leave the goroutines reading files on an early return
	var graphs []*graph
	var subs []string
	comps := p.components()
	for _, want := range o.Parts {
		if !slices.ContainsFunc(comps, func(c component) bool { return c.sub == want }) {
			var have []string
			for _, c := range comps {
				have = append(have, c.sub)
			}
			return nil, fmt.Errorf("sdconv: this source has no part %q (it has %s)", want, strings.Join(have, ", "))
		}
	}
	for _, c := range comps {
		if len(o.Parts) > 0 && !slices.Contains(o.Parts, c.sub) {
			continue
		}
		g, err := c.build()
		if err != nil {
			return nil, fmt.Errorf("sdconv: %s: %w", c.sub, err)
		}
		if err := g.err(); err != nil {
			return nil, err
		}
		graphs, subs = append(graphs, g), append(subs, c.sub)
	}
	var total, base int64
	for _, g := range graphs {
		total += g.weightBytes()
	}
	res := &Result{Sources: p.sources, Warnings: p.warnings}
	for _, w := range p.warnings {
		o.Logger.Warn(w)
	}
	for i, g := range graphs {
		o.Logger.Info("writing", "model", subs[i], "weight_bytes", g.weightBytes())
		prog := func(done int64) {
			if o.Progress != nil {
				o.Progress(base+done, total)
			}
		}
		hs, err := g.writeHashed(filepath.Join(out, subs[i]), prog)
		if err != nil {
			return nil, err
		}
		base += g.weightBytes()
		for _, h := range hs {
			h.Path = subs[i] + "/" + h.Path
			res.Models = append(res.Models, h.Path)
			res.Hashes = append(res.Hashes, h)
		}
	}
	for _, f := range p.extras {
		// with Parts, a model not built gets no folder (a config.json alone would look like a model)
		sub, _, _ := strings.Cut(f.name, "/")
		if len(o.Parts) > 0 && !slices.Contains(o.Parts, sub) && slices.ContainsFunc(comps, func(c component) bool { return c.sub == sub }) {
			continue
		}
		if err := f.write(out); err != nil {
			return nil, err
		}
	}
	if res.SourceHashes, err = srcHashes.wait(); err != nil {
		return nil, err
	}
	return res, nil
}

// asyncHashes is the sha256 of files being computed, one goroutine per file (at most
// four reading at once).
type asyncHashes struct {
	done chan struct{}
	out  []FileHash
	err  error
}

func hashAsync(paths []string) *asyncHashes {
	a := &asyncHashes{done: make(chan struct{}), out: make([]FileHash, len(paths))}
	go func() {
		defer close(a.done)
		sem := make(chan struct{}, 4)
		errs := make([]error, len(paths))
		var wg sync.WaitGroup
		for i, p := range paths {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				sum, n, err := HashFile(p)
				a.out[i], errs[i] = FileHash{Path: p, SHA256: sum, Size: n}, err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			a.err = fmt.Errorf("sdconv: hashing: %w", err)
		}
	}()
	return a
}

// join waits for the hashes, discarding them (an early return).
func (a *asyncHashes) join() { <-a.done }

func (a *asyncHashes) wait() ([]FileHash, error) {
	<-a.done
	return a.out, a.err
}

// extra is a non-model file of the output folder: copied from a file or written.
type extra struct {
	name string // relative to the output folder
	from string // source path, or
	data []byte
}

func (e extra) write(out string) error {
	data := e.data
	if e.from != "" {
		b, err := os.ReadFile(e.from)
		if err != nil {
			return fmt.Errorf("sdconv: %w", err)
		}
		data = b
	}
	dst := filepath.Join(out, filepath.FromSlash(e.name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

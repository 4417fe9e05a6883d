package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sdconv"
)

// loraFlags collects repeated --lora FILE[:SCALE] values.
type loraFlags []sdconv.LoRA

func (l *loraFlags) String() string {
	s := make([]string, len(*l))
	for i, x := range *l {
		s[i] = fmt.Sprintf("%s:%g", x.Path, x.Scale)
	}
	return strings.Join(s, ",")
}

func (l *loraFlags) Set(v string) error {
	x, err := sdconv.ParseLoRA(v)
	if err != nil {
		return err
	}
	*l = append(*l, x)
	return nil
}

// modelsConvert is "models convert SRC OUT": safetensors (diffusers folder or single
// file) → diffusers ONNX folder, reused when its sidecar says it is current.
func modelsConvert(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("models convert", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	var loras loraFlags
	fs.Var(&loras, "lora", "fuse a LoRA: FILE[:SCALE] (repeatable; kohya or diffusers/peft format)")
	fp16 := fs.Bool("fp16", false, "float16 UNet and text encoders (the VAE stays float32 when its config says force_upcast)")
	base := fs.String("base", "", "diffusers folder giving configs, tokenizers, scheduler and the parts SRC lacks (needed for a UNet-only file)")
	force := fs.Bool("force", false, "convert even when OUT is a current, verified conversion")
	parts := fs.String("parts", "", "build only these models, comma-separated (e.g. unet or unet,text_encoder_2); default all")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine models convert [flags] SRC OUT\n\n"+
			"SRC: a diffusers folder (save_pretrained, safetensors), a single .safetensors checkpoint\n"+
			"(SDXL/SD 2.x with the original names, or a UNet-only file) or a manifest model name\n"+
			"(fetched and verified first). OUT: a diffusers ONNX folder.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	src, out := pos[0], pos[1]
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		// not a path: a manifest entry (e.g. sdxl-turbo), fetched and verified first
		st, err := cf.openModels(log)
		if err != nil {
			return err
		}
		if _, err := st.Entry(src); err != nil {
			return fmt.Errorf("%s is not a file, a folder or a model name: %w", src, err)
		}
		if src, err = st.Path(ctx, src); err != nil {
			return err
		}
	}
	o := sdconv.Options{FP16: *fp16, LoRAs: loras, Base: *base, Logger: log.With("component", "convert")}
	for _, p := range strings.Split(*parts, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.Parts = append(o.Parts, p)
		}
	}
	if !*force {
		if err := sdconv.UpToDate(src, out, o); err == nil {
			fmt.Printf("%s is a current conversion of %s (verified); nothing to do\n", out, src)
			return nil
		} else if !errors.Is(err, os.ErrNotExist) {
			log.Info("converting", "reason", err.Error())
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	os.Remove(filepath.Join(out, sdconv.SidecarName)) // a half-written folder must never look current
	var bar *progressbar.ProgressBar
	last := time.Now()
	o.Progress = func(done, total int64) {
		if bar == nil && term.IsTerminal(int(os.Stderr.Fd())) {
			bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("converting"),
				progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish())
		}
		if bar != nil {
			bar.Set64(done)
		} else if time.Since(last) > 5*time.Second || done == total {
			last = time.Now()
			log.Info("converting", "done_bytes", done, "total_bytes", total)
		}
	}
	start := time.Now()
	res, err := sdconv.Convert(src, out, o)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	if err := sdconv.WriteSidecar(out, res, o); err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	fmt.Printf("converted %s to %s in %.1fs (%d model files, fp16 %v, %d LoRAs); sidecar %s\n",
		src, out, time.Since(start).Seconds(), len(res.Models), *fp16, len(loras), sdconv.SidecarName)
	return nil
}

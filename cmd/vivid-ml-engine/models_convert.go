package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sdconv"
	"github.com/vivid-ml/vivid-ml-engine/internal/modelcmd"
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
// file) → diffusers ONNX folder, reused when its sidecar says it is current (internal/modelcmd).
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
	o := sdconv.Options{FP16: *fp16, LoRAs: loras, Base: *base, Logger: log.With("component", "convert")}
	for _, p := range strings.Split(*parts, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.Parts = append(o.Parts, p)
		}
	}
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
	res, err := modelcmd.Convert(ctx, modelcmd.ConvertConfig{
		Src: pos[0], Out: pos[1], Options: o, Force: *force, Runtime: cf.runtime(log), Logger: log,
		ProgressDone: func() {
			if bar != nil {
				_ = bar.Finish() // a bar on stderr: nothing to do if it cannot be drawn
			}
		},
	})
	if err != nil {
		return err
	}
	if res.UpToDate {
		fmt.Printf("%s is a current conversion of %s (verified); nothing to do\n", pos[1], res.Src)
		return nil
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	fmt.Printf("converted %s to %s in %.1fs (%d model files, fp16 %v, %d LoRAs); sidecar %s\n",
		res.Src, pos[1], res.Elapsed.Seconds(), res.Models, *fp16, len(loras), sdconv.SidecarName)
	return nil
}

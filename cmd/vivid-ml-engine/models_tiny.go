package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
)

// modelsMakeTinySDXL writes random-weight SDXL-shaped ONNX models (diffusers/Optimum layout) into DIR.
func modelsMakeTinySDXL(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("models make-tiny-sdxl", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "weights seed (equal seeds give identical files)")
	fp16 := fs.Bool("fp16", false, "float16 weights and inputs/outputs, as real fp16 exports")
	taesd := fs.Bool("taesd", true, "also write taesd_encoder/ and taesd_decoder/")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine models make-tiny-sdxl [flags] DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	dir := fs.Arg(0)
	if err := tiny.Write(dir, tiny.Options{Seed: *seed, FP16: *fp16, TAESD: *taesd}); err != nil {
		return err
	}
	fmt.Printf("wrote tiny SDXL models (random weights, seed %d, fp16 %v) to %s\n", *seed, *fp16, dir)
	return nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/onnx/tfjs"
)

// modelsImportTFJS converts a TFJS graph model to ONNX: models import-tfjs model.json out.onnx.
func modelsImportTFJS(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("models import-tfjs", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine models import-tfjs model.json out.onnx")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	if err := tfjs.ConvertFile(fs.Arg(0), fs.Arg(1)); err != nil {
		return fmt.Errorf("import %s: %w", fs.Arg(0), err)
	}
	return nil
}

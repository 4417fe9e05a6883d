package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// devicesGPU prints the CUDA devices (name, compute capability, memory, driver),
// or says the binary was built without CUDA: that is not an error, `make cuda` builds it in.
// A last line says which PJRT plugin --backend xla would load (or how to get one).
func devicesGPU(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("devices gpu", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON array of devices")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	defer func() { // and where the xla backend's PJRT plugin is (internal/app/runtime.go)
		if *asJSON {
			fmt.Fprintln(os.Stderr, app.PJRTStatus())
		} else {
			fmt.Println(app.PJRTStatus())
		}
	}()
	infos, err := gpu.Devices()
	switch {
	case errors.Is(err, gpu.ErrNoCUDA):
		const msg = "gpu: built without CUDA (build the CUDA variant with `make cuda`)"
		if *asJSON {
			fmt.Println("[]")
			fmt.Fprintln(os.Stderr, msg)
			return nil
		}
		fmt.Println(msg)
		return nil
	case err != nil:
		return fmt.Errorf("gpu: %w", err)
	}
	if *asJSON {
		if infos == nil {
			infos = []gpu.Info{}
		}
		return json.NewEncoder(os.Stdout).Encode(infos)
	}
	if len(infos) == 0 {
		fmt.Println("gpu: no CUDA devices")
	}
	for _, i := range infos {
		fmt.Println(i)
	}
	return nil
}

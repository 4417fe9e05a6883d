package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/vivid-ml/vivid-ml-engine/internal/modelcmd"
	"github.com/vivid-ml/vivid-ml-engine/models"
)

const modelsUsage = `usage: vivid-ml-engine models COMMAND [flags]

  list [--json]            the models and libraries the engine knows, and their cache state
  fetch NAME...|all        fetch (and convert) into the cache, verifying sha256
  verify [NAME...]         rehash cached files; non-zero exit naming any bad file
  path NAME                print the main file's path (fetching it unless --offline)
  import-tfjs MODEL.json OUT.onnx   convert a TensorFlow.js graph model
  make-tiny-sdxl           write a tiny random SDXL pipeline for tests
  convert SRC OUT [--lora FILE:SCALE]... [--fp16] [--base DIR]   safetensors → diffusers ONNX folder
`

// cmdModels is the "models" command.
func cmdModels(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, modelsUsage)
		return errUsage
	}
	switch args[0] {
	case "list":
		return modelsList(ctx, args[1:])
	case "fetch":
		return modelsFetch(ctx, args[1:])
	case "verify":
		return modelsVerify(ctx, args[1:])
	case "path":
		return modelsPath(ctx, args[1:])
	case "import-tfjs":
		return modelsImportTFJS(ctx, args[1:])
	case "make-tiny-sdxl":
		return modelsMakeTinySDXL(ctx, args[1:])
	case "convert":
		return modelsConvert(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Print(modelsUsage)
		return nil
	}
	fmt.Fprintf(os.Stderr, "unknown models command %q\n\n%s", args[0], modelsUsage)
	return errUsage
}

// modelsSetup parses the shared flags (plus extra) and opens the store.
// --platform serves another platform's entries (provisioning a Windows cache from Linux).
func modelsSetup(name string, args []string, extra func(*flag.FlagSet)) (*models.Store, []string, error) {
	fs := flag.NewFlagSet("models "+name, flag.ContinueOnError)
	cf := addCommonFlags(fs)
	platform := fs.String("platform", "", "serve the entries of `GOOS/GOARCH` (e.g. windows/amd64) instead of this binary's")
	if extra != nil {
		extra(fs)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, nil, err
	}
	log, err := cf.logger()
	if err != nil {
		return nil, nil, err
	}
	st, err := models.Open(models.Options{CacheDir: cf.CacheDir, Offline: cf.Offline, Logger: log,
		Progress: os.Stderr, Platform: *platform})
	if err != nil {
		return nil, nil, err
	}
	return st, pos, nil
}

func modelsFetch(ctx context.Context, args []string) error {
	st, names, err := modelsSetup("fetch", args, nil)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine models fetch NAME...|all")
		return errUsage
	}
	return modelcmd.Fetch(ctx, st, names, func(name, path string) { fmt.Printf("ok %s %s\n", name, path) })
}

func modelsVerify(ctx context.Context, args []string) error {
	st, names, err := modelsSetup("verify", args, nil)
	if err != nil {
		return err
	}
	return modelcmd.Verify(ctx, st, names, func(name string, v modelcmd.Verdict) {
		switch v {
		case modelcmd.NotFetched:
			fmt.Printf("-- %s not fetched\n", name)
		case modelcmd.Bad:
			fmt.Printf("BAD %s\n", name)
		default:
			fmt.Printf("ok %s\n", name)
		}
	})
}

func modelsPath(ctx context.Context, args []string) error {
	st, names, err := modelsSetup("path", args, nil)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine models path NAME")
		return errUsage
	}
	p, err := st.Path(ctx, names[0])
	if err != nil {
		return err
	}
	fmt.Println(p)
	return nil
}

func modelsList(ctx context.Context, args []string) error {
	var asJSON bool
	st, names, err := modelsSetup("list", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print a JSON array")
	})
	if err != nil {
		return err
	}
	if len(names) > 0 {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine models list [--json]")
		return errUsage
	}
	rows := modelcmd.List(st)
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tVERSION\tSTATE\tSIZE\tINPUT\tLICENCE\tSOURCE")
	for _, r := range rows {
		size := "-"
		if r.Size > 0 {
			size = fmt.Sprintf("%.1f MB", float64(r.Size)/1e6)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Kind, r.Version, r.State, size,
			orDash(r.InputSize), r.License, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("cache: %s\n", st.Dir())
	return nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

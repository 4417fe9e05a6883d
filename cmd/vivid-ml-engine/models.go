package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

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

// expandNames turns "all" (or no names when allowEmpty) into every entry's name.
func expandNames(st *models.Store, names []string) []string {
	if len(names) == 1 && names[0] == "all" || len(names) == 0 {
		names = names[:0]
		for _, e := range st.List() {
			if e.Unverified == "" { // listed, never fetched: their hashes are unknown
				names = append(names, e.Name)
			}
		}
	}
	return names
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
	var errs []error
	for _, name := range expandNames(st, names) {
		p, err := st.Path(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Printf("ok %s %s\n", name, p)
	}
	return errors.Join(errs...)
}

func modelsVerify(ctx context.Context, args []string) error {
	st, names, err := modelsSetup("verify", args, nil)
	if err != nil {
		return err
	}
	all := len(names) == 0 || (len(names) == 1 && names[0] == "all")
	var errs []error
	for _, name := range expandNames(st, names) {
		if all {
			if e, _ := st.Entry(name); st.State(e) == "missing" {
				fmt.Printf("-- %s not fetched\n", name)
				continue
			}
		}
		if err := st.Verify(ctx, name); err != nil {
			fmt.Printf("BAD %s\n", name)
			errs = append(errs, err)
			continue
		}
		fmt.Printf("ok %s\n", name)
	}
	return errors.Join(errs...)
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

// listRow is one entry of `models list --json`.
type listRow struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Version     string `json:"version"`
	State       string `json:"state"`
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	License     string `json:"license"`
	InputSize   string `json:"input_size,omitempty"`
	Source      string `json:"source"`
	Description string `json:"description,omitempty"`
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
	var rows []listRow
	for _, e := range st.List() {
		size := st.Size(e)
		rows = append(rows, listRow{
			Name: e.Name, Kind: e.Kind, Version: e.Version, State: st.State(e),
			Path: filepath.Join(st.EntryDir(e), filepath.FromSlash(e.Main)), Size: size,
			License: e.License, InputSize: e.InputSize, Source: sourceString(e.Source), Description: e.Description,
		})
	}
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

func sourceString(s models.Source) string {
	switch s.Type {
	case models.SourceNPM:
		return "npm " + s.Package + "@" + s.Version
	case models.SourceDerived:
		return s.Converter + " conversion of " + s.From
	case models.SourceLocal:
		return "local " + s.Path
	}
	return s.Type
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

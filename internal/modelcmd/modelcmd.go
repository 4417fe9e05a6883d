// Package modelcmd holds the bodies of the `models` subcommands (fetch, verify, list,
// convert) around the model cache (models/) and the safetensors converter
// (engine/diffusion/sdconv). The flags are parsed in cmd/vivid-ml-engine, which also
// prints: each body reports item by item through the callback it is given, or returns
// what the command prints.
package modelcmd

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/vivid-ml/vivid-ml-engine/models"
)

// ExpandNames turns "all", or no names, into the name of every entry whose hashes are
// known (an entry listed but never fetched is left out).
func ExpandNames(st *models.Store, names []string) []string {
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

// Fetch fetches (and converts) each named model into the cache, verifying it, and calls
// ok with the main file's path of each one that is there. The errors of the others are
// joined.
func Fetch(ctx context.Context, st *models.Store, names []string, ok func(name, path string)) error {
	var errs []error
	for _, name := range ExpandNames(st, names) {
		p, err := st.Path(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ok(name, p)
	}
	return errors.Join(errs...)
}

// Verdict is what Verify found for one model.
type Verdict int

const (
	OK         Verdict = iota // every file hashes as the manifest says
	Bad                       // a file is missing or differs (its error is in Verify's)
	NotFetched                // not in the cache (reported only when every model is verified)
)

// Verify rehashes each named model (every known one for none or "all"; those not fetched
// are then reported as NotFetched, not as errors) and reports each verdict. The errors of
// the bad ones are joined.
func Verify(ctx context.Context, st *models.Store, names []string, report func(name string, v Verdict)) error {
	all := len(names) == 0 || (len(names) == 1 && names[0] == "all")
	var errs []error
	for _, name := range ExpandNames(st, names) {
		if all {
			if e, _ := st.Entry(name); st.State(e) == "missing" {
				report(name, NotFetched)
				continue
			}
		}
		if err := st.Verify(ctx, name); err != nil {
			report(name, Bad)
			errs = append(errs, err)
			continue
		}
		report(name, OK)
	}
	return errors.Join(errs...)
}

// Row is one entry of `models list` (the JSON form's fields).
type Row struct {
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

// List is every entry the store knows, with its cache state.
func List(st *models.Store) []Row {
	var rows []Row
	for _, e := range st.List() {
		rows = append(rows, Row{
			Name: e.Name, Kind: e.Kind, Version: e.Version, State: st.State(e),
			Path: filepath.Join(st.EntryDir(e), filepath.FromSlash(e.Main)), Size: st.Size(e),
			License: e.License, InputSize: e.InputSize, Source: sourceString(e.Source), Description: e.Description,
		})
	}
	return rows
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

package main

import (
	"context"
	"errors"
	"flag"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

// shmView shows a segment's frames as the "input" stream of the web preview, e.g. to
// look at what another engine or app writes.
func shmView(ctx context.Context, name string, args []string) error {
	fs := flag.NewFlagSet("shm view", flag.ContinueOnError)
	addr := fs.String("http", "127.0.0.1:8080", "preview address (\":PORT\" means loopback)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	log := outputLogger()
	src, err := shm.NewSource(name, log)
	if err != nil {
		return err
	}
	defer src.Close()
	srv, err := preview.New(preview.Config{Addr: *addr, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
		srv.WriteFrame(engine.StreamInput, f)
	}
}

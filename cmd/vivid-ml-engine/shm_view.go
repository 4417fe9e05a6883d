package main

import (
	"context"
	"flag"

	"github.com/vivid-ml/vivid-ml-engine/internal/shmcmd"
)

// shmView shows a segment's frames as the "input" stream of the web preview, e.g. to
// look at what another engine or app writes.
func shmView(ctx context.Context, name string, args []string) error {
	fs := flag.NewFlagSet("shm view", flag.ContinueOnError)
	addr := fs.String("http", "127.0.0.1:8080", "preview address (\":PORT\" means loopback)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return shmcmd.View(ctx, name, *addr, outputLogger())
}

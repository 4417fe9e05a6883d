package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set by the Makefile through -ldflags "-X main.version=…".
var version = "dev"

func cmdVersion(ctx context.Context, args []string) error {
	fmt.Printf("vivid-ml-engine %s\n", version)
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Printf("go %s\n", bi.GoVersion)
	}
	return nil
}

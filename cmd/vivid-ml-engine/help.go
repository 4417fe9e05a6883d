package main

import (
	"fmt"
	"os"
)

// isHelp reports whether a command's first argument asks for help rather than naming a verb.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// helpFor prints usage for a command group to stdout (help was asked for: exit 0).
func helpFor(usage string) error {
	_, err := fmt.Fprint(os.Stdout, usage)
	return err
}

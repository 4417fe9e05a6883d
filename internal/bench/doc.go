// Package bench holds the bodies of the `bench` subcommands: each takes its settings (the
// command's flags, parsed in cmd/vivid-ml-engine) and the runtime that loads models, runs
// its measurement and writes one JSON line to the writer it is given.
package bench

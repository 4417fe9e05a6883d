//go:build windows

package main

// Windows service mode: the Service Control Manager starts `service run`, which runs
// `run` with the flags given at install time until the SCM says stop. Logs go to a file
// (stderr has nowhere to go under the SCM); start, stop and failures also go to the
// Event Log. /healthz and /metrics are run's (--http). The SCM plumbing is internal/winsvc.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vivid-ml/vivid-ml-engine/internal/winsvc"
)

const serviceUsage = `usage: vivid-ml-engine service COMMAND [--name NAME] [--log-file FILE] [-- RUN FLAGS...]

  install     register with the Service Control Manager (automatic start, restart on failure),
              to run "run RUN FLAGS..." (e.g. -- --config C:\vivid\config.yaml --http 127.0.0.1:8080)
  uninstall   stop and remove the service and its Event Log source
  run         what the SCM starts; from a console it runs in the foreground
`

// serviceFlags are the flags of every service command.
type serviceFlags struct {
	name, logFile string
	runArgs       []string
}

func parseServiceFlags(cmd string, args []string) (*serviceFlags, error) {
	fs := flag.NewFlagSet("service "+cmd, flag.ContinueOnError)
	sf := &serviceFlags{}
	fs.StringVar(&sf.name, "name", "vivid-ml-engine", "service name")
	fs.StringVar(&sf.logFile, "log-file", "", "log file of the service (default %ProgramData%\\vivid-ml-engine\\NAME.log)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	sf.runArgs = pos
	if sf.logFile == "" {
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		sf.logFile = filepath.Join(base, "vivid-ml-engine", sf.name+".log")
	}
	return sf, nil
}

// cmdService is the "service" command.
func cmdService(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, serviceUsage)
		return errUsage
	}
	sf, err := parseServiceFlags(args[0], args[1:])
	if err != nil {
		return err
	}
	c := winsvc.Config{Name: sf.name, LogFile: sf.logFile, RunArgs: sf.runArgs}
	switch args[0] {
	case "install":
		in, err := winsvc.Install(c)
		if err != nil {
			return err
		}
		for _, w := range in.Warnings {
			fmt.Fprintln(os.Stderr, w)
		}
		fmt.Printf("installed service %s: %s %q\nlog file: %s\n", sf.name, in.Exe, in.Args, sf.logFile)
		return nil
	case "uninstall":
		if err := winsvc.Uninstall(c); err != nil {
			return err
		}
		fmt.Printf("removed service %s\n", sf.name)
		return nil
	case "run":
		return winsvc.Run(ctx, c, cmdRun)
	}
	fmt.Fprintf(os.Stderr, "unknown service command %q\n\n%s", args[0], serviceUsage)
	return errUsage
}

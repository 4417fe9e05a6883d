//go:build windows

package main

// Windows service mode: the Service Control Manager starts `service run`, which runs
// `run` with the flags given at install time until the SCM says stop. Logs go to a file
// (stderr has nowhere to go under the SCM); start, stop and failures also go to the
// Event Log. /healthz and /metrics are run's (--http).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
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
	switch args[0] {
	case "install":
		return serviceInstall(sf)
	case "uninstall":
		return serviceUninstall(sf)
	case "run":
		return serviceRun(ctx, sf)
	}
	fmt.Fprintf(os.Stderr, "unknown service command %q\n\n%s", args[0], serviceUsage)
	return errUsage
}

func serviceInstall(sf *serviceFlags) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("service install: %w", err)
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service install: connect to the service control manager: %w", err)
	}
	defer m.Disconnect()
	args := append([]string{"service", "run", "--name", sf.name, "--log-file", sf.logFile, "--"}, sf.runArgs...)
	s, err := m.CreateService(sf.name, exe, mgr.Config{
		DisplayName: "vivid-ml-engine (" + sf.name + ")",
		Description: "headless live-visuals engine: pose, img2img diffusion, OSC, shared memory",
		StartType:   mgr.StartAutomatic,
	}, args...)
	if err != nil {
		return fmt.Errorf("service install %s: %w", sf.name, err)
	}
	defer s.Close()
	// Restart on failure, like the systemd unit's Restart=on-failure.
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: 5 * time.Second}}, 86400); err != nil {
		fmt.Fprintf(os.Stderr, "service install: recovery actions not set: %v\n", err)
	}
	if err := eventlog.InstallAsEventCreate(sf.name, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil {
		fmt.Fprintf(os.Stderr, "service install: event log source not added (logs go to %s): %v\n", sf.logFile, err)
	}
	fmt.Printf("installed service %s: %s %q\nlog file: %s\n", sf.name, exe, args, sf.logFile)
	return nil
}

func serviceUninstall(sf *serviceFlags) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service uninstall: connect to the service control manager: %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(sf.name)
	if err != nil {
		return fmt.Errorf("service uninstall %s: %w", sf.name, err)
	}
	defer s.Close()
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		s.Control(svc.Stop)
		for i := 0; i < 50; i++ {
			if st, err := s.Query(); err != nil || st.State == svc.Stopped {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := s.Delete(); err != nil {
		return fmt.Errorf("service uninstall %s: %w", sf.name, err)
	}
	eventlog.Remove(sf.name)
	fmt.Printf("removed service %s\n", sf.name)
	return nil
}

// serviceRun runs `run` under the SCM, or in the foreground from a console. It asks
// the SCM first: svc.IsWindowsService's parent-process test is not true under wine's
// services.exe, while StartServiceCtrlDispatcher answers the same everywhere.
func serviceRun(ctx context.Context, sf *serviceFlags) error {
	h := &serviceHandler{args: sf.runArgs, name: sf.name, logFile: sf.logFile}
	err := svc.Run(sf.name, h)
	if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
		return cmdRun(ctx, sf.runArgs) // not started by the SCM: a console
	}
	if h.elog != nil {
		h.elog.Close()
	}
	if err != nil {
		return fmt.Errorf("service run: %w", err)
	}
	return nil
}

// serviceHandler is the svc.Handler: it runs `run` until Stop or Shutdown.
type serviceHandler struct {
	args          []string
	name, logFile string
	elog          *eventlog.Log
}

// logToFile sends this process's stderr (run's logger, native libraries) to the log file.
func (h *serviceHandler) logToFile() error {
	if err := os.MkdirAll(filepath.Dir(h.logFile), 0o755); err != nil {
		return fmt.Errorf("log folder: %w", err)
	}
	f, err := os.OpenFile(h.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	os.Stderr = f // kept open for the life of the process
	return windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(f.Fd()))
}

func (h *serviceHandler) event(kind string, msg string) {
	fmt.Fprintf(os.Stderr, "service %s: %s\n", h.name, msg)
	if h.elog == nil {
		return
	}
	switch kind {
	case "error":
		h.elog.Error(1, msg)
	default:
		h.elog.Info(1, msg)
	}
}

// Execute implements svc.Handler.
func (h *serviceHandler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	if el, err := eventlog.Open(h.name); err == nil {
		h.elog = el
	}
	if err := h.logToFile(); err != nil {
		h.event("error", err.Error())
		return true, 3
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmdRun(ctx, h.args) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	h.event("info", "started")
	for {
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				h.event("error", "run failed: "+err.Error())
				return true, 1 // a service-specific failure: the SCM's recovery action restarts it
			}
			h.event("info", "run ended")
			return false, 0
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: 5000}
				cancel()
				select {
				case err := <-done:
					if err != nil && !errors.Is(err, context.Canceled) {
						h.event("error", "stopped with: "+err.Error())
						return true, 1
					}
				case <-time.After(10 * time.Second):
					h.event("error", "run did not stop within 10 s")
					return true, 2
				}
				h.event("info", "stopped")
				return false, 0
			}
		}
	}
}

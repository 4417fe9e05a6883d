//go:build windows

package winsvc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// Config names the service and what it runs.
type Config struct {
	Name    string   // service name
	LogFile string   // the service's log file (its stderr)
	RunArgs []string // run's flags
}

// Installed is what Install registered.
type Installed struct {
	Exe      string   // the executable the SCM starts
	Args     []string // its arguments ("service run --name … -- RUN FLAGS…")
	Warnings []string // what could not be set up (the service is installed all the same)
}

// Install registers the service with the Service Control Manager (automatic start,
// restart on failure) and its Event Log source, to run "service run" with c.
func Install(c Config) (Installed, error) {
	exe, err := os.Executable()
	if err != nil {
		return Installed{}, fmt.Errorf("service install: %w", err)
	}
	m, err := mgr.Connect()
	if err != nil {
		return Installed{}, fmt.Errorf("service install: connect to the service control manager: %w", err)
	}
	defer func() { _ = m.Disconnect() }() // nothing to report about leaving the SCM
	args := append([]string{"service", "run", "--name", c.Name, "--log-file", c.LogFile, "--"}, c.RunArgs...)
	s, err := m.CreateService(c.Name, exe, mgr.Config{
		DisplayName: "vivid-ml-engine (" + c.Name + ")",
		Description: "headless live-visuals engine: pose, img2img diffusion, OSC, shared memory",
		StartType:   mgr.StartAutomatic,
	}, args...)
	if err != nil {
		return Installed{}, fmt.Errorf("service install %s: %w", c.Name, err)
	}
	defer func() { _ = s.Close() }()
	in := Installed{Exe: exe, Args: args}
	// Restart on failure, like the systemd unit's Restart=on-failure.
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: 5 * time.Second}}, 86400); err != nil {
		in.Warnings = append(in.Warnings, fmt.Sprintf("service install: recovery actions not set: %v", err))
	}
	if err := eventlog.InstallAsEventCreate(c.Name, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil {
		in.Warnings = append(in.Warnings, fmt.Sprintf("service install: event log source not added (logs go to %s): %v", c.LogFile, err))
	}
	return in, nil
}

// Uninstall stops the service (waiting up to 5 s) and removes it and its Event Log source.
func Uninstall(c Config) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service uninstall: connect to the service control manager: %w", err)
	}
	defer func() { _ = m.Disconnect() }() // nothing to report about leaving the SCM
	s, err := m.OpenService(c.Name)
	if err != nil {
		return fmt.Errorf("service uninstall %s: %w", c.Name, err)
	}
	defer func() { _ = s.Close() }()
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		_, _ = s.Control(svc.Stop) // the wait below sees whether it stopped
		for i := 0; i < 50; i++ {
			if st, err := s.Query(); err != nil || st.State == svc.Stopped {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := s.Delete(); err != nil {
		return fmt.Errorf("service uninstall %s: %w", c.Name, err)
	}
	_ = eventlog.Remove(c.Name) // the source may never have been added (install warns then)
	return nil
}

// Run runs run(ctx, c.RunArgs) under the SCM, or in the foreground from a console. It asks
// the SCM first: svc.IsWindowsService's parent-process test is not true under wine's
// services.exe, while StartServiceCtrlDispatcher answers the same everywhere.
func Run(ctx context.Context, c Config, run func(context.Context, []string) error) error {
	h := &handler{args: c.RunArgs, name: c.Name, logFile: c.LogFile, run: run}
	err := svc.Run(c.Name, h)
	if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
		return run(ctx, c.RunArgs) // not started by the SCM: a console
	}
	if h.elog != nil {
		_ = h.elog.Close()
	}
	if err != nil {
		return fmt.Errorf("service run: %w", err)
	}
	return nil
}

// handler is the svc.Handler: it runs `run` until Stop or Shutdown.
type handler struct {
	args          []string
	name, logFile string
	run           func(context.Context, []string) error
	elog          *eventlog.Log
}

// logToFile sends this process's stderr (run's logger, native libraries) to the log file.
func (h *handler) logToFile() error {
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

func (h *handler) event(kind string, msg string) {
	fmt.Fprintf(os.Stderr, "service %s: %s\n", h.name, msg)
	if h.elog == nil {
		return
	}
	switch kind {
	case "error":
		_ = h.elog.Error(1, msg) // the log file has the message already
	default:
		_ = h.elog.Info(1, msg)
	}
}

// Execute implements svc.Handler.
func (h *handler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
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
	go func() { done <- h.run(ctx, h.args) }()
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

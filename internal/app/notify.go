package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// healthCheck returns the reasons the engine is unhealthy, nil when it is fine.
type healthCheck func() []string

// notifier speaks sd_notify: READY once frames may flow, WATCHDOG while healthy
// (so systemd restarts a wedged engine), STATUS with a one-line summary.
// Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
type notifier struct {
	logger *slog.Logger
	check  healthCheck
	status func() string
	done   chan struct{}
}

// startNotifier sends READY=1 and starts the watchdog loop; it stops when ctx ends.
func startNotifier(ctx context.Context, logger *slog.Logger, check healthCheck, status func() string) *notifier {
	n := &notifier{logger: logger, check: check, status: status, done: make(chan struct{})}
	if ok, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		logger.Warn("sd_notify READY failed", "err", err)
	} else if ok {
		logger.Info("told systemd we are ready")
	}
	go n.run(ctx)
	return n
}

func (n *notifier) run(ctx context.Context) {
	defer close(n.done)
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		interval = 0
	}
	tick := 5 * time.Second
	if interval > 0 && interval/2 < tick {
		tick = interval / 2
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_, _ = daemon.SdNotify(false, daemon.SdNotifyStopping)
			return
		case <-t.C:
			reasons := n.check()
			state := "STATUS=" + n.status()
			if len(reasons) > 0 {
				state = "STATUS=unhealthy: " + strings.Join(reasons, "; ")
			}
			if interval > 0 && len(reasons) == 0 {
				state += "\n" + daemon.SdNotifyWatchdog
			}
			if _, err := daemon.SdNotify(false, state); err != nil {
				n.logger.Debug("sd_notify failed", "err", err)
			}
		}
	}
}

// wait blocks until the notifier loop has stopped.
func (n *notifier) wait() { <-n.done }

package mapping

import (
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Debounce is how long the watcher waits after the last event on a file before
// reloading it: editors write in several steps (truncate+write, or temp+rename).
const Debounce = 25 * time.Millisecond

// Watcher calls OnChange(path) when a watched file changes. It watches parent
// directories (so rename-and-replace saves are seen) and the targets of symlinks.
type Watcher struct {
	Files    []string
	OnChange func(path string)
	Logger   *slog.Logger

	w    *fsnotify.Watcher
	done chan struct{}
	stop chan struct{}
}

// Initialize starts watching.
func (wt *Watcher) Initialize() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	dirs := map[string]bool{}
	for _, f := range wt.Files {
		for _, p := range watchPaths(f) {
			dirs[filepath.Dir(p)] = true
		}
	}
	for d := range dirs {
		if err := w.Add(d); err != nil {
			w.Close()
			return err
		}
	}
	wt.w = w
	wt.done = make(chan struct{})
	wt.stop = make(chan struct{})
	go wt.run()
	return nil
}

// watchPaths is the file itself (absolute) and, for a symlink, what it points to.
func watchPaths(f string) []string {
	abs, err := filepath.Abs(f)
	if err != nil {
		abs = f
	}
	out := []string{abs}
	if r, err := filepath.EvalSymlinks(abs); err == nil && r != abs {
		out = append(out, r)
	}
	return out
}

// Close stops watching and waits for the goroutine.
func (wt *Watcher) Close() error {
	if wt.w == nil {
		return nil
	}
	close(wt.stop)
	err := wt.w.Close()
	<-wt.done
	return err
}

func (wt *Watcher) run() {
	defer close(wt.done)
	pending := map[string]time.Time{}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-wt.stop:
			return
		case ev, ok := <-wt.w.Events:
			if !ok {
				return
			}
			for _, f := range wt.Files {
				for _, p := range watchPaths(f) {
					if filepath.Clean(ev.Name) == p {
						pending[f] = time.Now().Add(Debounce)
					}
				}
			}
			timer.Reset(Debounce)
		case err, ok := <-wt.w.Errors:
			if !ok {
				return
			}
			wt.Logger.Warn("file watcher", "err", err)
		case now := <-timer.C:
			next := time.Duration(0)
			for f, due := range pending {
				if !now.Before(due) {
					delete(pending, f)
					if _, err := os.Stat(f); err == nil {
						wt.OnChange(f)
					}
				} else if d := due.Sub(now); next == 0 || d < next {
					next = d
				}
			}
			if next > 0 {
				timer.Reset(next)
			}
		}
	}
}

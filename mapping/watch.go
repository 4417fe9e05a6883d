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

// Watcher calls OnChange(path) when a watched file changes, is replaced, is deleted
// or stops resolving (OnChange then gets to load it and report why it cannot). It
// watches real directories: the file's, its parent's (so a deleted and re-created
// folder is seen), and the folder of every symlink on the way (so a re-pointed link
// is seen). After each change, and on Rearm (SIGHUP), the set is computed again.
type Watcher struct {
	Files    []string
	OnChange func(path string)
	Logger   *slog.Logger

	w     *fsnotify.Watcher
	dirs  map[string]bool     // directories watched now
	names map[string][]string // event path → the Files it concerns
	rearm chan struct{}
	done  chan struct{}
	stop  chan struct{}
}

// Initialize starts watching.
func (wt *Watcher) Initialize() error {
	if wt.Logger == nil {
		wt.Logger = slog.New(slog.DiscardHandler)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	wt.w = w
	wt.dirs = map[string]bool{}
	wt.arm()
	wt.rearm = make(chan struct{}, 1)
	wt.done = make(chan struct{})
	wt.stop = make(chan struct{})
	go wt.run()
	return nil
}

// Rearm recomputes what is watched (from the run goroutine, soon): for SIGHUP, or
// whenever the caller suspects the file system changed under a missed event.
func (wt *Watcher) Rearm() {
	if wt.w == nil {
		return
	}
	select {
	case wt.rearm <- struct{}{}:
	default:
	}
}

// watchSet returns the directories to watch for file f and the paths whose events concern it.
func watchSet(f string) (dirs, names []string) {
	abs, err := filepath.Abs(f)
	if err != nil {
		abs = filepath.Clean(f)
	}
	names = append(names, abs)
	// Every symlink on the way: its real folder is watched, so re-pointing it is seen.
	for p := abs; ; p = filepath.Dir(p) {
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			parent := filepath.Dir(p)
			if r, err := filepath.EvalSymlinks(parent); err == nil {
				parent = r
			}
			dirs = append(dirs, parent)
			names = append(names, filepath.Join(parent, filepath.Base(p)))
			// Where it points, even when that does not exist (yet): its creation is seen.
			if to, err := os.Readlink(p); err == nil {
				if !filepath.IsAbs(to) {
					to = filepath.Join(parent, to)
				}
				dirs = append(dirs, filepath.Dir(to))
				names = append(names, filepath.Clean(to))
			}
		}
		if filepath.Dir(p) == p {
			break
		}
	}
	resolved := abs
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		resolved = r
	} else if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		resolved = filepath.Join(r, filepath.Base(abs)) // the file is gone, its folder is not
	}
	dir := filepath.Dir(resolved)
	dirs = append(dirs, dir, filepath.Dir(dir))
	names = append(names, resolved, dir)
	return dirs, names
}

// arm watches what the files need now and forgets what they no longer need.
func (wt *Watcher) arm() {
	want := map[string]bool{}
	wt.names = map[string][]string{}
	for _, f := range wt.Files {
		dirs, names := watchSet(f)
		for _, d := range dirs {
			want[d] = true
		}
		for _, n := range names {
			wt.names[n] = append(wt.names[n], f)
		}
	}
	for d := range wt.dirs {
		if !want[d] {
			_ = wt.w.Remove(d) // fails when the folder is gone, which removed the watch anyway
			delete(wt.dirs, d)
		}
	}
	for d := range want {
		// Added again even when already watched: a folder deleted and created again in
		// between has a new inode that the old watch does not see (Add is idempotent).
		if err := wt.w.Add(d); err != nil {
			wt.Logger.Debug("file watcher: cannot watch folder yet", "dir", d, "err", err)
			continue
		}
		wt.dirs[d] = true
	}
}

// Close stops watching and waits for the goroutine.
func (wt *Watcher) Close() error {
	if wt.w == nil {
		return nil
	}
	// The goroutine stops first: on Windows fsnotify's Add (called by arm) waits for the
	// watcher's own goroutine, so closing the watcher under a running arm deadlocks
	// (seen under wine: control's tests hung in Close).
	close(wt.stop)
	<-wt.done
	return wt.w.Close()
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
		case <-wt.rearm:
			wt.arm()
		case ev, ok := <-wt.w.Events:
			if !ok {
				return
			}
			name := filepath.Clean(ev.Name)
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				delete(wt.dirs, name) // a watched folder gone: its watch went with it
			}
			files := wt.names[name]
			for _, f := range files {
				pending[f] = time.Now().Add(Debounce)
			}
			if len(files) > 0 {
				timer.Reset(Debounce)
			}
		case err, ok := <-wt.w.Errors:
			if !ok {
				return
			}
			wt.Logger.Warn("file watcher", "err", err)
		case now := <-timer.C:
			var due []string
			next := time.Duration(0)
			for f, at := range pending {
				if !now.Before(at) {
					delete(pending, f)
					due = append(due, f)
				} else if d := at.Sub(now); next == 0 || d < next {
					next = d
				}
			}
			if len(due) > 0 {
				wt.arm() // a folder or link may have changed: follow it before loading
			}
			for _, f := range due {
				wt.OnChange(f) // a deleted or unresolvable file fails to load there, and is reported
			}
			if next > 0 {
				timer.Reset(next)
			}
		}
	}
}

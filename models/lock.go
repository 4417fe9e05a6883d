package models

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockPoll is how often a busy lock is retried.
const lockPoll = 50 * time.Millisecond

// lock takes the cache-wide exclusive lock named key (a lock file under .locks), waiting
// while another process or goroutine holds it; the returned func releases it.
func (s *Store) lock(ctx context.Context, key string) (func(), error) {
	dir := filepath.Join(s.dir, ".locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", key, err)
	}
	name := strings.NewReplacer("/", "_", "@", "_", `\`, "_", ":", "_").Replace(key) + ".lock"
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", key, err)
	}
	logged := false
	for {
		busy, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		if !busy {
			return func() { unlockFile(f); f.Close() }, nil
		}
		if !logged {
			s.log.Info("waiting for another process to finish with the cache entry", "lock", f.Name())
			logged = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", key, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

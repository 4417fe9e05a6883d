package mapping

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWatcherFollows: the watcher reports a change after a folder link is re-pointed,
// after the folder is deleted (the load then fails and is reported by the caller) and
// created again, and after Rearm.
func TestWatcherFollows(t *testing.T) {
	dir := t.TempDir()
	mk := func(folder string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, folder, "m.yaml"), []byte("rules: []\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(to string) {
		t.Helper()
		tmp := filepath.Join(dir, ".cur")
		os.Remove(tmp)
		if err := os.Symlink(to, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "cur")); err != nil {
			t.Fatal(err)
		}
	}
	mk("a")
	mk("b")
	link("a")
	file := filepath.Join(dir, "cur", "m.yaml")
	changed := make(chan string, 16)
	w := &Watcher{Files: []string{file}, OnChange: func(p string) { changed <- p }}
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	wait := func(what string) {
		t.Helper()
		select {
		case p := <-changed:
			if p != file {
				t.Fatalf("%s: change of %q", what, p)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no change reported", what)
		}
		for len(changed) > 0 { // one step may be several events
			<-changed
		}
	}
	for _, step := range []struct {
		name string
		do   func()
	}{
		{"link re-pointed", func() { link("b") }},
		{"file in the new folder edited", func() { mk("b") }},
		{"folder deleted", func() { os.RemoveAll(filepath.Join(dir, "b")) }},
		{"folder created again", func() { mk("b") }},
		{"after rearm", func() { w.Rearm(); mk("b") }},
	} {
		step.do()
		wait(step.name)
	}
}

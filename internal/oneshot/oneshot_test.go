package oneshot

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
)

// TestWritePNG: the picture is readable by everyone and no temp file is left behind.
func TestWritePNG(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.png")
	if err := WritePNG(p, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only out.png", len(entries))
	}
	if err := WritePNG(filepath.Join(dir, "gone", "out.png"), image.NewGray(image.Rect(0, 0, 1, 1))); err == nil {
		t.Error("no error for a missing folder")
	}
}

// TestScheduleNoSteps: too few steps × strength is sched.ErrNoSteps, saying what to raise.
func TestScheduleNoSteps(t *testing.T) {
	_, _, err := Schedule(ScheduleConfig{Scheduler: "euler", Steps: 4, Strength: 0.1})
	if !errors.Is(err, sched.ErrNoSteps) {
		t.Fatalf("err = %v, want ErrNoSteps", err)
	}
	name, plan, err := Schedule(ScheduleConfig{Scheduler: "euler", Steps: 4, Strength: 1})
	if err != nil || name == "" || len(plan.Timesteps) != 4 || len(plan.Sigmas) != 5 {
		t.Fatalf("Schedule = %q, %+v, %v", name, plan, err)
	}
}

package tests

import (
	"strings"
	"testing"
	"time"
)

// TestCommandHelp: `-h` asks the command groups for help (exit 0, usage on the
// output) instead of being taken as a device kind, a benchmark or a segment name.
func TestCommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"devices", "-h"}, "usage: vivid-ml-engine devices [midi|gpu]"},
		{[]string{"bench", "-h"}, "usage: vivid-ml-engine bench pose-model|control|diffusion|shm|latency|operator [flags]"},
		{[]string{"bench", "--help"}, "usage: vivid-ml-engine bench pose-model|control|diffusion|shm|latency|operator [flags]"},
		{[]string{"shm", "read", "-h"}, "vivid-ml-engine shm read NAME [--out frame.png]"},
		{[]string{"shm", "-h"}, "vivid-ml-engine shm read NAME [--out frame.png]"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out := runToExit(t, nil, time.Minute, tc.args...)
			if code != 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output:\n%s\nwant %q", code, out, tc.want)
			}
		})
	}
}

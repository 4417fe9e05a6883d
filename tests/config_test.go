package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigFileDrivesControl: `run --config F` with no other flags takes the OSC
// control port, the feedback target and a mapping file (relative to F's folder, not
// the working directory) from F; oscsend moves a mapped fader and the new parameter
// comes back at oscdump. A command-line --osc-in then wins over the file's.
func TestConfigFileDrivesControl(t *testing.T) {
	oscsend := needTool(t, "oscsend")
	work := t.TempDir()
	etc := filepath.Join(work, "etc")
	if err := os.Mkdir(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	// The file must name a concrete port to show that it is used: a kernel-picked one
	// (the flag case binds port 0 and reads the address back from the log).
	dump := startOSCDump(t)
	inPort := freeUDPPort(t)
	files := map[string]string{
		"fader.yaml": "rules:\n  - osc: {address: /1/fader1}\n    target: strength\n    range: [0, 0.5]\n",
		"engine.yaml": fmt.Sprintf(`# control needs no models: pose off, test pattern frames
source: {spec: testpattern, fps: 10}
pose: {enabled: false}
osc_out: {targets: []}
control:
  osc_in: 127.0.0.1:%d
  feedback: ["%s"]
  mappings: [fader.yaml]
`, inPort, dump.target()),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// fader 0.5 through range [0, 0.5] is 0.25; each run uses a different fader value so
	// feedback from one cannot satisfy the other.
	for _, tc := range []struct {
		name  string
		args  []string
		fader string
		want  string
	}{
		{"file only", nil, "0.5", "/vivid/param/strength f 0.250000"},
		{"flag wins", []string{"--osc-in", "127.0.0.1:0"}, "0.8", "/vivid/param/strength f 0.400000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := engine(append([]string{"run", "--config", filepath.Join("etc", "engine.yaml")}, tc.args...)...)
			cmd.Dir = work // the mapping must be found next to the config, not here
			eng := startCmd(t, cmd)
			port := eng.oscInPort(t)
			if fromFile := port == fmt.Sprint(inPort); fromFile != (tc.args == nil) {
				t.Fatalf("control bound port %s; the file names %d, flags %v", port, inPort, tc.args)
			}
			from := dump.mark()
			for deadline := time.Now().Add(30 * time.Second); !dump.hasSince(from, tc.want); time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("oscdump never showed %q\noscdump:\n%s\nengine:\n%s", tc.want, dump, eng)
				}
				out, err := exec.Command(oscsend, "127.0.0.1", port, "/1/fader1", "f", tc.fader).CombinedOutput()
				if err != nil {
					t.Fatalf("oscsend: %v\n%s", err, out)
				}
			}
			if err := eng.stop(); err != nil { // frees the port before the next run
				t.Fatalf("engine exit: %v", err)
			}
		})
	}
}

// TestConfigUnknownOutputsKey: a typo under outputs stops run with line and column.
func TestConfigUnknownOutputsKey(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "engine.yaml")
	body := "pose: {enabled: false}\noutputs:\n  shm: [vivid]\n  htp: 127.0.0.1:8080\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runToExit(t, nil, time.Minute, "run", "--config", cfg)
	want := "vivid-ml-engine run: config " + cfg + ": config: line 4, column 3: field htp not found in type conf.Outputs"
	if code == 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d; output:\n%s\nwant %q", code, out, want)
	}
}

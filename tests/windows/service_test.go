//go:build linux

package windows

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWineService installs the engine with `service install`, starts and stops it with
// wine's own sc.exe through wine's Service Control Manager, and checks what runs in
// between: /healthz, /metrics, pose OSC at oscdump, the log file; then `service
// uninstall`. Also `service run` from a console runs in the foreground.
func TestWineService(t *testing.T) {
	r := needRig(t)
	oscdump := tool(t, "oscdump")
	name := fmt.Sprintf("vividsvc%d", os.Getpid())
	logDir := r.driveC(t, "vivid svc")
	logFile := filepath.Join(logDir, name+".log")
	posePort, httpPort := freeUDPPort(t), freeTCPPort(t)
	pose := start(t, exec.Command(oscdump, "-L", fmt.Sprint(posePort)))
	// Wine stops services when no user process is left in the prefix.
	hold := r.exe("winpeer.exe", "hold")
	stdin, err := hold.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	start(t, hold)
	t.Cleanup(func() { stdin.Close() })

	sc := func(args ...string) string {
		out, _ := output(exec.Command(r.wine, append([]string{"sc"}, args...)...), true)
		return string(out)
	}
	out, err := output(r.engine("service", "install", "--name", name, "--log-file", r.winPath(logFile), "--",
		"--offline", "--cache-dir", r.cache(), "--osc-out", addr(posePort), "--osc-in", addr(freeUDPPort(t)),
		"--http", addr(httpPort)), true)
	if err != nil {
		t.Fatalf("service install: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := output(r.engine("service", "uninstall", "--name", name), true); err != nil && !strings.Contains(string(out), "does not exist") {
			t.Logf("cleanup: service uninstall: %v %s", err, out)
		}
	})
	client := &http.Client{Timeout: 5 * time.Second}
	logText := func() string { b, _ := os.ReadFile(logFile); return string(b) }
	state := func() string {
		for _, l := range strings.Split(sc("query", name), "\n") {
			if strings.Contains(l, "STATE") {
				return strings.Join(strings.Fields(l)[3:], " ")
			}
		}
		return ""
	}

	t.Run("sc start", func(t *testing.T) {
		sc("start", name)
		var code int
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if resp, err := client.Get("http://" + addr(httpPort) + "/healthz"); err == nil {
				code = resp.StatusCode
				resp.Body.Close()
				if code == 200 {
					break
				}
			}
		}
		if code != 200 {
			t.Fatalf("/healthz %d; state %q\nlog:\n%s", code, state(), logText())
		}
		if s := state(); s != "RUNNING" {
			t.Fatalf("state %q, want RUNNING", s)
		}
		resp, err := client.Get("http://" + addr(httpPort) + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "vivid_frames_total") {
			t.Fatal("/metrics lacks vivid_frames_total")
		}
		pose.waitLine(t, 0, "/pose/frame ifi", 20*time.Second)
	})

	t.Run("sc stop", func(t *testing.T) {
		sc("stop", name)
		for deadline := time.Now().Add(20 * time.Second); state() != "STOPPED"; time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("state %q 20 s after sc stop\nlog:\n%s", state(), logText())
			}
		}
		l := logText()
		for _, want := range []string{"service " + name + ": started", `msg=stopping`, "service " + name + ": stopped"} {
			if !strings.Contains(l, want) {
				t.Errorf("log file lacks %q:\n%s", want, l)
			}
		}
	})

	t.Run("uninstall", func(t *testing.T) {
		if out, err := output(r.engine("service", "uninstall", "--name", name), true); err != nil {
			t.Fatalf("service uninstall: %v\n%s", err, out)
		}
		if s := sc("query", name); !strings.Contains(s, "1060") && strings.Contains(s, "STATE") {
			t.Fatalf("still registered:\n%s", s)
		}
	})

	t.Run("service run from a console", func(t *testing.T) {
		out, err := output(r.engine("service", "run", "--name", name, "--", "--offline", "--cache-dir", r.cache(),
			"--frames", "3", "--osc-out", addr(posePort), "--osc-in", addr(freeUDPPort(t))), true)
		if err != nil || !strings.Contains(string(out), "frame limit reached") {
			t.Fatalf("service run in the foreground: %v\n%s", err, out)
		}
	})
}

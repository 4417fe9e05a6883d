package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hypebeast/go-osc/osc"
)

// TestSoak runs the engine for $VIVID_SOAK (e.g. 30m; `make soak`) at 30 fps with
// an OSC flood of 1000 msg/s and a mapping rewrite every 2 s, sampling RSS,
// goroutines and open files. It fails on a crash or on growth beyond 5 % after
// warm-up, and writes its samples to $VIVID_SOAK_OUT (default soak.json).
func TestSoak(t *testing.T) {
	dur, err := time.ParseDuration(os.Getenv("VIVID_SOAK"))
	if err != nil || dur <= 0 {
		t.Skip("set VIVID_SOAK=30m (make soak) to run the soak test")
	}
	dir := t.TempDir()
	mapping := filepath.Join(dir, "soak.yaml")
	writeMapping := func(i int) {
		body := fmt.Sprintf("rules:\n  - osc: {address: /soak/fader, arg: 0}\n    target: strength\n    range: [0.%d, 0.9]\n", i%9)
		tmp := mapping + ".tmp"
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, mapping); err != nil {
			t.Fatal(err)
		}
	}
	writeMapping(0)
	oscIn, httpAddr := soakUDPPort(t), soakTCPAddr(t)
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() { // drain the pose output so the kernel buffer never matters
		buf := make([]byte, 65536)
		for {
			if _, _, err := sink.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	cmd := engine("run", "--source", "testpattern", "--osc-out", sink.LocalAddr().String(),
		"--osc-in", "127.0.0.1:"+strconv.Itoa(oscIn), "--mapping", mapping, "--http", httpAddr, "--log-level", "warn")
	eng := startCmd(t, cmd)

	conn, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(oscIn))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	type sample struct {
		T          float64 `json:"t_s"`
		RSSKiB     int     `json:"rss_kib"`
		Goroutines int     `json:"goroutines"`
		OpenFiles  int     `json:"open_files"`
	}
	var samples []sample
	start := time.Now()
	flood := time.NewTicker(time.Millisecond)
	defer flood.Stop()
	reload := time.NewTicker(2 * time.Second)
	defer reload.Stop()
	probe := time.NewTicker(10 * time.Second)
	defer probe.Stop()
	i := 0
	for time.Since(start) < dur {
		select {
		case <-eng.done:
			t.Fatalf("engine exited during soak after %s: %v", time.Since(start), eng.err)
		case <-flood.C:
			i++
			msg := osc.NewMessage("/soak/fader", float32(i%100)/100)
			b, _ := msg.MarshalBinary()
			_, _ = conn.Write(b)
		case <-reload.C:
			writeMapping(i)
		case <-probe.C:
			s := sample{T: time.Since(start).Seconds(), RSSKiB: soakRSSKiB(eng.cmd.Process.Pid), OpenFiles: soakOpenFiles(eng.cmd.Process.Pid)}
			s.Goroutines = soakScrape("http://"+httpAddr+"/metrics", "go_goroutines")
			samples = append(samples, s)
		}
	}
	out := os.Getenv("VIVID_SOAK_OUT")
	if out == "" {
		out = "soak.json"
	}
	b, _ := json.MarshalIndent(map[string]any{"duration": dur.String(), "osc_msgs": i, "samples": samples}, "", " ")
	_ = os.WriteFile(out, b, 0o644)
	if len(samples) < 6 {
		return
	}
	// Flat after warm-up: compare the mean of the last quarter with the quarter after warm-up.
	q := len(samples) / 4
	mean := func(ss []sample, f func(sample) int) float64 {
		var sum float64
		for _, s := range ss {
			sum += float64(f(s))
		}
		return sum / float64(len(ss))
	}
	early, late := samples[q:2*q], samples[len(samples)-q:]
	for name, f := range map[string]func(sample) int{
		"rss":        func(s sample) int { return s.RSSKiB },
		"goroutines": func(s sample) int { return s.Goroutines },
	} {
		e, l := mean(early, f), mean(late, f)
		t.Logf("%s: %.0f → %.0f", name, e, l)
		if e > 0 && l > e*1.05 {
			t.Errorf("%s grew %.1f%% after warm-up (%.0f → %.0f)", name, 100*(l-e)/e, e, l)
		}
	}
}

func soakRSSKiB(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}

func soakOpenFiles(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}

func soakScrape(url, name string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return 0
}

func soakUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func soakTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

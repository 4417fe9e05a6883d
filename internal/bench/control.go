package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// ControlConfig configures Control (`bench control` flags of the same names).
type ControlConfig struct {
	Rate     int           // OSC messages per second
	Duration time.Duration // how long to send
	Reloads  int           // mapping reloads to time
}

// Control measures OSC packet → visible parameter snapshot latency at a fixed
// message rate over real loopback UDP, the in-process apply cost, and mapping
// reload latency (file rename-replaced → new rules in force). One JSON line to out.
func Control(ctx context.Context, c ControlConfig, out io.Writer) error {
	rate, dur, reloads := &c.Rate, &c.Duration, &c.Reloads
	if *rate < 1 || *dur <= 0 {
		return fmt.Errorf("--rate and --duration must be positive")
	}
	dir, err := os.MkdirTemp("", "vivid-bench-control-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	mf := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(mf, mappingWithRange(0), 0o644); err != nil {
		return err
	}
	ps := engine.NewParamStore(engine.DefaultParams())
	tr := &tracer{}
	ctl, err := control.New(control.Config{Params: ps, OSCListen: "127.0.0.1:0", MappingFiles: []string{mf}, Trace: tr.trace})
	if err != nil {
		return err
	}
	defer func() { _ = ctl.Close() }() // nothing to report about stopping the benchmark's controller

	recv, send, apply, sent, err := benchOSC(ctx, ctl, tr, *rate, *dur)
	if err != nil {
		return err
	}
	rl, err := benchReload(ctx, ctl, mf, *reloads)
	if err != nil {
		return err
	}
	res := map[string]any{
		"bench":                  "control",
		"rate_hz":                *rate,
		"messages":               sent,
		"applied":                len(recv),
		"received_to_visible_us": controlPct(recv, time.Microsecond),
		"sent_to_visible_us":     controlPct(send, time.Microsecond),
		"apply_in_process_us":    controlPct(apply, time.Microsecond),
		"reloads":                len(rl),
		"reload_ms":              controlPct(rl, time.Millisecond),
		"goal":                   "received_to_visible_us.p99 < 1000",
		"cpus":                   runtime.NumCPU(),
	}
	return json.NewEncoder(out).Encode(res)
}

func mappingWithRange(hi int) []byte {
	return fmt.Appendf(nil, "rules:\n  - osc: {address: /bench/fader}\n    target: guidance\n    range: [0, %d]\n", hi+1)
}

// tracer records, per applied datagram, when it was received and when its snapshot was published.
type tracer struct {
	mu                sync.Mutex
	received, applied []time.Time
}

func (t *tracer) trace(r, a time.Time) {
	t.mu.Lock()
	t.received = append(t.received, r)
	t.applied = append(t.applied, a)
	t.mu.Unlock()
}

func (t *tracer) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.applied)
}

// benchOSC sends /vivid/seed i at rate over loopback UDP; the controller's trace
// hook gives receive and publish times. send→visible pairs datagrams in order
// (reported only when none were lost).
func benchOSC(ctx context.Context, c *control.Controller, tr *tracer, rate int, dur time.Duration) (recv, send, apply []time.Duration, sent int, err error) {
	conn, err := net.DialUDP("udp", nil, c.OSCAddr().(*net.UDPAddr))
	if err != nil {
		return nil, nil, nil, 0, err
	}
	defer conn.Close()
	n := int(dur.Seconds() * float64(rate))
	sentAt := make([]time.Time, 0, n)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/seed", Args: []any{int32(1000 + i)}})
		sentAt = append(sentAt, time.Now())
		conn.Write(b)
		sent++
	}
	for deadline := time.Now().Add(2 * time.Second); tr.count() < sent && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	tr.mu.Lock()
	for i := range tr.applied {
		recv = append(recv, tr.applied[i].Sub(tr.received[i]))
	}
	if len(tr.applied) == sent {
		for i := range sentAt {
			send = append(send, tr.applied[i].Sub(sentAt[i]))
		}
	}
	tr.mu.Unlock()
	// In-process: decode + match a mapping rule + publish, without the kernel.
	from := netip.MustParseAddrPort("127.0.0.1:1")
	for i := range 20000 {
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/bench/fader", Args: []any{float32(i%100) / 100}})
		t0 := time.Now()
		c.HandleOSC(b, from)
		apply = append(apply, time.Since(t0))
	}
	return recv, send, apply, sent, nil
}

// benchReload rename-replaces the mapping file and times until the new rules are in force.
func benchReload(ctx context.Context, c *control.Controller, file string, n int) ([]time.Duration, error) {
	var out []time.Duration
	for i := 1; i <= n && ctx.Err() == nil; i++ {
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, mappingWithRange(i), 0o644); err != nil {
			return nil, err
		}
		before := c.Rules()
		t0 := time.Now()
		if err := os.Rename(tmp, file); err != nil {
			return nil, err
		}
		for deadline := t0.Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
			if r := c.Rules(); len(r) > 0 && (len(before) == 0 || r[0] != before[0]) {
				out = append(out, time.Since(t0))
				break
			}
		}
		time.Sleep(60 * time.Millisecond) // let the debounce window close between edits
	}
	return out, nil
}

// pct returns p50/p99/max of ds in unit.
func controlPct(ds []time.Duration, unit time.Duration) map[string]float64 {
	if len(ds) == 0 {
		return nil
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 {
		return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / float64(unit)
	}
	r := func(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
	return map[string]float64{"p50": r(at(0.50)), "p99": r(at(0.99)), "max": r(float64(s[len(s)-1]) / float64(unit))}
}

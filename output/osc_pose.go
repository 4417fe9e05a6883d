package output

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// OSCPoseConfig configures the OSC pose output.
type OSCPoseConfig struct {
	Targets  []string // host:port, one or more
	Encoding PoseEncoding
	MaxRate  float64 // results per second at most; 0 sends every result

	// OnSent, when set (tests, benchmarks), is called after a result's datagrams are written.
	OnSent func(r *engine.PoseResult, at time.Time)
}

// OSCPoseStats counts what the OSC pose output did.
type OSCPoseStats struct {
	Results uint64 `json:"results"` // pose results sent
	Packets uint64 `json:"packets"` // UDP datagrams written (per target)
	Dropped uint64 `json:"dropped"` // results replaced by a newer one before sending
	Errors  uint64 `json:"errors"`  // failed encodes or writes
}

// OSCPose sends pose results as OSC bundles over one UDP socket to every target.
// It implements engine.PoseSink: WritePose never blocks; a result not yet sent is
// replaced by the newer one, keeping the older one's lost IDs.
type OSCPose struct {
	cfg     OSCPoseConfig
	logger  *slog.Logger
	conn    *net.UDPConn
	targets []*net.UDPAddr
	start   time.Time

	mu      sync.Mutex
	pending *engine.PoseResult
	wake    chan struct{}

	results, packets, dropped, errors atomic.Uint64
	lastErrLog                        time.Time

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// NewOSCPose resolves the targets, opens the socket and starts the sender goroutine.
func NewOSCPose(cfg OSCPoseConfig, logger *slog.Logger) (*OSCPose, error) {
	if err := cfg.Encoding.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Targets) == 0 {
		return nil, fmt.Errorf("%w: no targets", ErrOSCConfig)
	}
	if cfg.MaxRate < 0 {
		return nil, fmt.Errorf("%w: max rate %v must be >= 0", ErrOSCConfig, cfg.MaxRate)
	}
	o := &OSCPose{cfg: cfg, logger: logger.With("component", "osc-pose-out"), wake: make(chan struct{}, 1), done: make(chan struct{})}
	for _, t := range cfg.Targets {
		a, err := net.ResolveUDPAddr("udp", t)
		if err != nil {
			return nil, fmt.Errorf("%w: target %q: %w", ErrOSCConfig, t, err)
		}
		if a.Port == 0 {
			return nil, fmt.Errorf("%w: target %q: port must not be 0", ErrOSCConfig, t)
		}
		o.targets = append(o.targets, a)
	}
	conn, err := net.ListenUDP("udp", nil)
	if err != nil {
		return nil, fmt.Errorf("osc pose out: %w", err)
	}
	o.conn = conn
	o.ctx, o.cancel = context.WithCancel(context.Background())
	go o.run()
	return o, nil
}

// WritePose implements engine.PoseSink.
func (o *OSCPose) WritePose(r *engine.PoseResult) {
	o.mu.Lock()
	if old := o.pending; old != nil {
		o.dropped.Add(1)
		if len(old.Lost) > 0 {
			merged := *r
			merged.Lost = append(slices.Clone(old.Lost), r.Lost...)
			r = &merged
		}
	}
	o.pending = r
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Stats returns counters.
func (o *OSCPose) Stats() OSCPoseStats {
	return OSCPoseStats{Results: o.results.Load(), Packets: o.packets.Load(), Dropped: o.dropped.Load(), Errors: o.errors.Load()}
}

// Close sends a result still pending, stops the goroutine and closes the socket.
func (o *OSCPose) Close() error {
	o.cancel()
	<-o.done
	return o.conn.Close()
}

func (o *OSCPose) take() *engine.PoseResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.pending
	o.pending = nil
	return r
}

func (o *OSCPose) run() {
	defer close(o.done)
	var every time.Duration
	if o.cfg.MaxRate > 0 {
		every = time.Duration(float64(time.Second) / o.cfg.MaxRate)
	}
	var last time.Time
	for {
		select {
		case <-o.ctx.Done():
			if r := o.take(); r != nil {
				o.send(r)
			}
			return
		case <-o.wake:
		}
		if every > 0 && !last.IsZero() {
			if wait := every - time.Since(last); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-o.ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
		}
		if r := o.take(); r != nil {
			o.send(r)
			last = time.Now()
		}
	}
}

// send encodes r and writes every bundle to every target.
func (o *OSCPose) send(r *engine.PoseResult) {
	if o.start.IsZero() {
		o.start = r.Captured
	}
	bundles, err := o.cfg.Encoding.Encode(r, FrameSeconds(r.Captured, o.start))
	if err != nil {
		o.fail(err)
		return
	}
	for _, t := range o.targets {
		for _, b := range bundles {
			if _, err := o.conn.WriteToUDP(b, t); err != nil {
				o.fail(fmt.Errorf("send to %s: %w", t, err))
				continue
			}
			o.packets.Add(1)
		}
	}
	o.results.Add(1)
	if o.cfg.OnSent != nil {
		o.cfg.OnSent(r, time.Now())
	}
}

// fail counts an error and logs at most one every 10 s.
func (o *OSCPose) fail(err error) {
	o.errors.Add(1)
	if now := time.Now(); now.Sub(o.lastErrLog) >= 10*time.Second {
		o.lastErrLog = now
		o.logger.Warn("osc pose output", "err", err, "errors_total", o.errors.Load())
	}
}

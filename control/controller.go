package control

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// Controller owns OSC in, MIDI in/out, the mapping rules, presets and feedback.
// Input from every source is applied under one mutex, in arrival order.
type Controller struct {
	cfg Config
	log *slog.Logger
	ps  *engine.ParamStore

	mu       sync.Mutex         // serialises input, rules state, reloads
	mappings []*mapping.Mapping // one per cfg.MappingFiles entry (nil until loaded)
	rules    atomic.Pointer[[]*mapping.Rule]
	learned  []*mapping.Rule // learned without a mapping file to write to
	presets  atomic.Pointer[mapping.Presets]
	midiDec  mapping.MIDIDecoder
	learning string // target waiting for a control, "" when not learning
	glides   map[string]glide
	fade     *fade
	held     bundleQueue
	targets  []*net.UDPAddr
	errs     []string       // /vivid/error messages waiting to be sent
	replyTo  netip.AddrPort // sender of the packet being applied (for /vivid/get)
	res      *resolver      // feedback host name lookups
	learnBy  buckets        // learned rules per source (rate limit)
	typoWarn every          // /vivid/error for unknown /vivid/ addresses
	cutWarn  every          // "text too long; cut" warnings
	files    map[string]*FileState

	st statsCounters

	conn    *net.UDPConn // OSC in
	fbConn  *net.UDPConn // feedback out
	watcher *mapping.Watcher
	midi    *midiPorts

	kick      chan struct{}
	reloadReq chan struct{}
	stop      chan struct{}
	done      chan struct{}
	rxDone    chan struct{}
}

// New loads the mapping and presets files (an invalid file is an error here, at
// startup; later reloads keep the old one), opens sockets and ports and starts.
func New(cfg Config) (*Controller, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Params == nil {
		cfg.Params = engine.NewParamStore(engine.DefaultParams())
	}
	if cfg.StatusInterval == 0 {
		cfg.StatusInterval = time.Second
	}
	if cfg.MIDIPoll == 0 {
		cfg.MIDIPoll = 2 * time.Second
	}
	c := &Controller{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "control"),
		ps:        cfg.Params,
		glides:    map[string]glide{},
		res:       newResolver(cfg.Resolve),
		typoWarn:  every{interval: time.Second},
		cutWarn:   every{interval: 10 * time.Second},
		kick:      make(chan struct{}, 1),
		reloadReq: make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	c.mappings = make([]*mapping.Mapping, len(cfg.MappingFiles))
	for i, f := range cfg.MappingFiles {
		m, err := mapping.Load(f)
		if err != nil {
			return nil, err
		}
		c.mappings[i] = m
		c.noteLoaded(f, "mapping", len(m.Rules))
	}
	c.rebuildRules()
	if cfg.PresetsFile != "" {
		p, err := mapping.LoadPresets(cfg.PresetsFile)
		if err != nil {
			return nil, err
		}
		c.presets.Store(p)
		c.noteLoaded(cfg.PresetsFile, "presets", p.Len())
	}
	for _, t := range cfg.Feedback {
		a, err := net.ResolveUDPAddr("udp", t)
		if err != nil {
			return nil, fmt.Errorf("feedback target %q: %w", t, err)
		}
		c.targets = append(c.targets, a)
	}
	var err error
	if c.fbConn, err = net.ListenUDP("udp", nil); err != nil {
		return nil, fmt.Errorf("feedback socket: %w", err)
	}
	if cfg.OSCListen != "" {
		if c.conn, err = listenOSC(cfg.OSCListen); err != nil {
			c.fbConn.Close()
			return nil, err
		}
	}
	if !cfg.NoWatch {
		files := append([]string{}, cfg.MappingFiles...)
		if cfg.PresetsFile != "" {
			files = append(files, cfg.PresetsFile)
		}
		if len(files) > 0 {
			c.watcher = &mapping.Watcher{Files: files, OnChange: c.reloadFile, Logger: c.log}
			if err := c.watcher.Initialize(); err != nil {
				c.closeSockets()
				return nil, fmt.Errorf("watching mapping files: %w", err)
			}
		}
	}
	c.midi = newMIDIPorts(c)
	if c.conn != nil {
		c.rxDone = make(chan struct{})
		go c.receive()
	}
	go c.run()
	return c, nil
}

func (c *Controller) closeSockets() {
	if c.conn != nil {
		c.conn.Close()
	}
	c.fbConn.Close()
}

// Close stops every goroutine the controller started and waits for them.
func (c *Controller) Close() error {
	close(c.stop)
	if c.watcher != nil {
		c.watcher.Close()
	}
	if c.conn != nil {
		c.conn.Close()
		<-c.rxDone
	}
	<-c.done
	c.res.close()
	c.midi.close()
	c.fbConn.Close()
	return nil
}

// OSCAddr is the local address OSC is received on (nil when OSC in is off).
func (c *Controller) OSCAddr() net.Addr {
	if c.conn == nil {
		return nil
	}
	return c.conn.LocalAddr()
}

// Rules returns the rules in force (all mapping files, in order, then learned ones).
func (c *Controller) Rules() []*mapping.Rule { return *c.rules.Load() }

// rebuildRules publishes the concatenated rules of every loaded file. Caller holds mu
// (or is New).
func (c *Controller) rebuildRules() {
	var all []*mapping.Rule
	for _, m := range c.mappings {
		if m != nil {
			all = append(all, m.Rules...)
		}
	}
	all = append(all, c.learned...)
	c.rules.Store(&all)
}

// wake asks the run loop to send feedback now.
func (c *Controller) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run does all timed work: feedback, 1 Hz status, glides and fades, held bundles, MIDI replug.
func (c *Controller) run() {
	defer close(c.done)
	var last *engine.Params
	statusT := time.NewTicker(c.cfg.StatusInterval)
	defer statusT.Stop()
	pollT := time.NewTicker(c.cfg.MIDIPoll)
	defer pollT.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	c.midi.poll()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		case <-timer.C:
		case <-statusT.C:
			c.sendStatus()
		case <-pollT.C:
			c.midi.poll()
		case <-c.reloadReq:
			c.Reload()
		}
		next := c.tick(time.Now())
		last = c.sendParamFeedback(last)
		c.flushErrors()
		if next <= 0 {
			next = 100 * time.Millisecond // also catches parameter changes made by others
		}
		timer.Reset(next)
	}
}

// tick runs due glides, fades and bundles and returns how soon it wants to run again.
func (c *Controller) tick(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := c.stepAnimations(now)
	for {
		b, ok := c.held.popDue(now)
		if !ok {
			break
		}
		for _, m := range b.msgs {
			c.applyMessage(m)
		}
	}
	if due, ok := c.held.nextDue(); ok {
		if d := due.Sub(now); next <= 0 || d < next {
			next = max(d, time.Millisecond)
		}
	}
	return next
}

type statsCounters struct {
	oscPackets, oscMessages, oscMalformed, oscDenied, oscUnmatched atomic.Uint64
	bundlesHeld, bundlesDropped, midiMessages, rejected, clamped   atomic.Uint64
	reloadsOK, reloadsFailed, learned, learnRefused, fbSent        atomic.Uint64
	fbErrors, unknownVivid                                         atomic.Uint64
}

// Stats returns a copy of the counters.
func (c *Controller) Stats() Stats {
	s := &c.st
	return Stats{
		OSCPackets: s.oscPackets.Load(), OSCMessages: s.oscMessages.Load(), OSCMalformed: s.oscMalformed.Load(),
		OSCDenied: s.oscDenied.Load(), OSCUnmatched: s.oscUnmatched.Load(), BundlesHeld: s.bundlesHeld.Load(),
		BundlesDropped: s.bundlesDropped.Load(), MIDIMessages: s.midiMessages.Load(), Rejected: s.rejected.Load(),
		Clamped: s.clamped.Load(), ReloadsOK: s.reloadsOK.Load(), ReloadsFailed: s.reloadsFailed.Load(),
		Learned: s.learned.Load(), LearnRefused: s.learnRefused.Load(), FeedbackSent: s.fbSent.Load(),
		FeedbackErrors: s.fbErrors.Load(), UnknownVivid: s.unknownVivid.Load(),
	}
}

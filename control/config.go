package control

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"gitlab.com/gomidi/midi/v2/drivers"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Config configures a Controller. Zero values mean "off" (no OSC in, no MIDI, no files).
type Config struct {
	Logger *slog.Logger
	Params *engine.ParamStore

	OSCListen string         // UDP address to receive OSC on, e.g. 127.0.0.1:9001; a multicast group address joins it
	OSCAllow  []netip.Prefix // if set, packets from other senders are dropped and counted
	Feedback  []string       // HOST:PORT targets for /vivid/param/*, /vivid/status, /vivid/error

	MappingFiles []string // watched and reloaded live; learned rules go to the first
	PresetsFile  string

	MIDIDriver    drivers.Driver // nil: no MIDI
	MIDIOutDriver drivers.Driver // nil: MIDIDriver
	MIDIIn        string         // input port name substring; "" takes the mapping files' midi.port
	MIDIOut       string         // output port name substring; "" same as input, "none" disables
	MIDIPoll      time.Duration  // how often to look for an unplugged/replugged port (default 2 s)
	// MIDIPortNames lists input port names without side effects (RtMidi: one client
	// reused); nil lists with MIDIDriver.Ins(), which rtmididrv must not be polled with
	// (it leaks a sequencer client per call).
	MIDIPortNames func() ([]string, error)

	// Resolve looks up a /vivid/feedback/add host name; nil uses the system resolver.
	// It runs off the control goroutine and is cancelled by Close.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)

	Status         func() Status // engine telemetry for /vivid/status; nil sends zeros
	StatusInterval time.Duration // default 1 s
	NoWatch        bool          // disable fsnotify (Reload still works)
	// OnReload, when set, is what /vivid/reload does instead of Reload: the owner of every
	// reload (the run's reloader) gets the request. It is called with the controller's lock
	// held and must not block or call back into the controller.
	OnReload func()

	// Trace, if set, is called after each received datagram is applied with the time
	// recvfrom returned and the time the new snapshot was published (bench control).
	Trace func(received, applied time.Time)
}

// Status is the engine telemetry sent as /vivid/status.
type Status struct {
	FPS       map[string]float64 // per stage
	LatencyMs float64
	Drops     uint64
}

// Stats are the controller's counters, for /metrics and tests.
type Stats struct {
	OSCPackets     uint64 // datagrams received
	OSCMessages    uint64 // messages (bundle elements included) applied
	OSCMalformed   uint64 // undecodable datagrams
	OSCDenied      uint64 // dropped by the sender allow-list
	OSCUnmatched   uint64 // messages no method or rule matched
	BundlesHeld    uint64 // bundles with a future timetag held until due
	BundlesDropped uint64 // held bundles dropped because the queue was full
	MIDIMessages   uint64
	Rejected       uint64 // values rejected (NaN, wrong type, bad UTF-8, unknown preset…)
	Clamped        uint64 // values clamped into range
	ReloadsOK      uint64
	ReloadsFailed  uint64
	Learned        uint64
	LearnRefused   uint64 // learned rules not written: over the size limit or the per-source rate
	UnknownVivid   uint64 // messages to /vivid/… addresses that do not exist (typos), also in OSCUnmatched
	FeedbackSent   uint64
	FeedbackErrors uint64
}

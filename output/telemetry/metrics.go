// Package telemetry serves the engine's health and Prometheus metrics:
// /healthz answers 200 while frames flow and 503 with the reason otherwise,
// /metrics exposes per-stage fps, latency histograms, drops and control counters.
package telemetry

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Counter names a monotonically increasing count that another component owns
// (OSC messages, malformed packets, reloads…); Metrics reads it at scrape time.
type Counter struct {
	Name   string // metric name without the vivid_ prefix, e.g. "osc_messages_total"
	Help   string
	Labels map[string]string
	Value  func() float64
}

// Metrics is the engine's Prometheus registry.
type Metrics struct {
	reg      *prometheus.Registry
	frames   *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	drops    *prometheus.GaugeVec
	provider *prometheus.GaugeVec
}

// NewMetrics builds a registry with the process and Go runtime collectors
// (memory, goroutines, open files) and the engine's own metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vivid_frames_total", Help: "Frames that left a stage.",
		}, []string{"stage"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vivid_stage_latency_seconds",
			Help:    "Time from frame capture to the end of a stage.",
			Buckets: []float64{.001, .002, .005, .01, .02, .033, .05, .1, .2, .5, 1, 2},
		}, []string{"stage"}),
		drops: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vivid_drops_total", Help: "Frames dropped before a stage (newest frame wins).",
		}, []string{"stage"}),
		provider: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vivid_execution_provider_info", Help: "Execution provider chosen per model (value 1).",
		}, []string{"model", "provider"}),
	}
	m.reg.MustRegister(m.frames, m.latency, m.drops, m.provider,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveFrame records that a frame captured at captured left stage now.
func (m *Metrics) ObserveFrame(stage string, captured time.Time) {
	m.frames.WithLabelValues(stage).Inc()
	if !captured.IsZero() {
		m.latency.WithLabelValues(stage).Observe(time.Since(captured).Seconds())
	}
}

// SetDrops publishes the drop count of a stage.
func (m *Metrics) SetDrops(stage string, n uint64) { m.drops.WithLabelValues(stage).Set(float64(n)) }

// SetProvider records the execution provider a model runs on.
func (m *Metrics) SetProvider(model, provider string) {
	m.provider.WithLabelValues(model, provider).Set(1)
}

// AddCounter exposes a counter owned elsewhere, read at scrape time.
func (m *Metrics) AddCounter(c Counter) error {
	return m.reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "vivid_" + c.Name, Help: c.Help, ConstLabels: c.Labels,
	}, c.Value))
}

// AddGauge exposes a gauge owned elsewhere, read at scrape time.
func (m *Metrics) AddGauge(c Counter) error {
	return m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vivid_" + c.Name, Help: c.Help, ConstLabels: c.Labels,
	}, c.Value))
}

// Handler serves the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

package preview

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// EngineStatus is what the engine reports for the status page.
type EngineStatus struct {
	Stages       []StageStatus `json:"stages"`        // per stage fps and latency
	Params       any           `json:"params"`        // the parameter snapshot in force
	Parameters   []ParamStatus `json:"parameters"`    // the same under their OSC addresses, with ranges
	Mapping      string        `json:"mapping"`       // mapping file(s) in force
	MappingError string        `json:"mapping_error"` // last mapping load error, "" if none
	Files        []FileStatus  `json:"files"`         // mapping and presets files, each with its last error
	Learn        LearnStatus   `json:"learn"`
	Models       []ModelStatus `json:"models"`             // execution provider per loaded model
	GPUs         []string      `json:"gpus"`               // one line per GPU: name, memory total and free
	GPUNote      string        `json:"gpu_note,omitempty"` // why there is no GPU list (e.g. built without CUDA)
	Control      string        `json:"control"`            // "read-only": the page changes nothing
}

// StageStatus is one stage's rate and latency.
type StageStatus struct {
	Name      string  `json:"name"`
	FPS       float64 `json:"fps"`        // frames over the last 2 s
	LatencyMS float64 `json:"latency_ms"` // smoothed mean
	P50MS     float64 `json:"p50_ms"`     // over the last 2 s
	P99MS     float64 `json:"p99_ms"`
}

// Status is the /api/status document.
type Status struct {
	Time    time.Time               `json:"time"`
	Uptime  float64                 `json:"uptime_s"`
	Streams map[string]StreamStatus `json:"streams"`
	Order   []string                `json:"stream_order"` // the streams served, in the engine's order
	Engine  *EngineStatus           `json:"engine,omitempty"`
}

// Status returns the current status document.
func (s *Server) Status() Status {
	st := Status{Time: time.Now(), Uptime: time.Since(s.started).Seconds(), Streams: map[string]StreamStatus{}, Order: s.order}
	for name, str := range s.streams {
		st.Streams[name] = str.status()
	}
	if s.cfg.Status != nil {
		es := s.cfg.Status()
		st.Engine = &es
	}
	return st
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(s.Status())
}

// streamFor maps "input.mjpg" / "input.jpg" to its stream.
func (s *Server) streamFor(file, ext string) *stream {
	name, ok := strings.CutSuffix(file, ext)
	if !ok {
		return nil
	}
	return s.streams[name]
}

// serveSnapshot answers the newest JPEG of a stream (404 before the first one).
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	st := s.streamFor(r.PathValue("file"), ".jpg")
	if st == nil {
		http.NotFound(w, r)
		return
	}
	pic, err := st.snapshot(s.cfg.Quality)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if pic == nil {
		http.Error(w, "no frame yet", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pic)
}

const boundary = "vividframe"

// serveStream sends a stream as MJPEG (multipart/x-mixed-replace), newest picture each time.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	st := s.streamFor(r.PathValue("file"), ".mjpg")
	if st == nil {
		http.NotFound(w, r)
		return
	}
	st.clients.Add(1)
	defer st.clients.Add(-1)
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil { // send the headers now: the first picture may take a while
		return
	}
	var sent uint64
	for {
		pic, seq, changed := st.latest()
		if pic != nil && seq != sent {
			sent = seq
			_, err := fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", boundary, len(pic))
			if err == nil {
				_, err = w.Write(pic)
			}
			if err == nil {
				_, err = w.Write([]byte("\r\n"))
			}
			if err == nil {
				err = rc.Flush()
			}
			if err != nil {
				return
			}
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		case <-changed:
		}
	}
}

// Package preview serves a read-only web view of a running engine: MJPEG streams of
// the input, pose overlay and diffusion output, and a status page with a live plot.
package preview

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
)

//go:embed static
var staticFS embed.FS

// Streams are the picture streams served at /stream/NAME.mjpg and /snapshot/NAME.jpg when
// Config.Streams is nil (mask and matte come from `run --segment`, upscale from `run
// --upscale`; the page shows a stream once it has frames).
var Streams = []string{engine.StreamInput, engine.StreamPose, engine.StreamDiffusion, segment.StreamMask, segment.StreamMatte,
	upscale.StreamUpscale}

// Config configures a Server.
type Config struct {
	Addr    string              // listen address; ":PORT" is bound to loopback (127.0.0.1:PORT)
	Status  func() EngineStatus // the engine's state for /api/status; nil shows none
	Quality int                 // JPEG quality 1-100; 0 means 80
	Logger  *slog.Logger
	// AllowedHosts are the Host names answered besides IP literals; nil means
	// DefaultAllowedHosts, "*" allows any (DNS rebinding is then possible).
	AllowedHosts []string
	// Streams are the streams served (`run` passes those its operators emit); nil: Streams.
	Streams []string
}

// Server is the preview HTTP server and an engine.FrameSink. Frames are JPEG-encoded
// off the frame loop by one goroutine per stream (newest frame wins; drops counted).
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	srv     *http.Server
	ln      net.Listener
	streams map[string]*stream
	order   []string // stream names as configured
	started time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// ListenAddr turns ":PORT" into "127.0.0.1:PORT" (loopback unless a host is given).
func ListenAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// New binds the listener (so a busy port fails here) and starts serving.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Quality <= 0 || cfg.Quality > 100 {
		cfg.Quality = 80
	}
	ln, err := net.Listen("tcp", ListenAddr(cfg.Addr))
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, log: cfg.Logger.With("component", "preview"), mux: http.NewServeMux(), ln: ln,
		streams: map[string]*stream{}, started: time.Now(), ctx: ctx, cancel: cancel,
	}
	names := cfg.Streams
	if names == nil {
		names = Streams
	}
	s.order = slices.Clone(names)
	for _, name := range names {
		st := newStream(name, cfg.Quality)
		s.streams[name] = st
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			st.run(ctx)
		}()
	}
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /", readOnly(http.FileServerFS(static)))
	s.mux.HandleFunc("GET /stream/{file}", s.serveStream)
	s.mux.HandleFunc("GET /snapshot/{file}", s.serveSnapshot)
	s.mux.HandleFunc("GET /api/status", s.serveStatus)
	if cfg.AllowedHosts == nil {
		cfg.AllowedHosts = DefaultAllowedHosts
	}
	s.srv = &http.Server{Handler: guard(s.mux, cfg.AllowedHosts), ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("preview server stopped", "err", err)
		}
	}()
	s.log.Info("preview listening", "url", "http://"+ln.Addr().String()+"/")
	return s, nil
}

// readOnly refuses directory listings (only the embedded files are served).
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) > 1 && r.URL.Path[len(r.URL.Path)-1] == '/' {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Handle adds a handler (e.g. /healthz, /metrics) to the server's mux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// WriteFrame implements engine.FrameSink: it only swaps a pointer (frames are immutable).
func (s *Server) WriteFrame(name string, f *engine.Frame) {
	if st := s.streams[name]; st != nil && f != nil && f.Image != nil {
		st.offer(f)
	}
}

// Close stops the server, ends open streams and waits for every goroutine.
func (s *Server) Close() error {
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	s.wg.Wait()
	return err
}

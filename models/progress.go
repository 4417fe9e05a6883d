package models

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// meter counts bytes of one download, extraction or copy: a progress bar when the
// Progress writer is a terminal, otherwise a log line every logEvery.
type meter struct {
	bar   *progressbar.ProgressBar
	log   *slog.Logger
	desc  string
	total int64
	done  int64
	last  time.Time
}

const logEvery = 5 * time.Second

// newMeter starts a meter for total bytes (≤ 0 when unknown).
func (s *Store) newMeter(desc string, total int64) *meter {
	m := &meter{log: s.log, desc: desc, total: total, last: time.Now()}
	if f, ok := s.progress.(*os.File); ok && total > 0 && term.IsTerminal(int(f.Fd())) {
		m.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	s.log.Info(desc, "bytes", total)
	return m
}

// Write counts len(p) bytes of progress.
func (m *meter) Write(p []byte) (int, error) {
	m.add(int64(len(p)))
	return len(p), nil
}

// add counts n bytes of progress.
func (m *meter) add(n int64) {
	m.done += n
	if m.bar != nil {
		m.bar.Add64(n)
	} else if time.Since(m.last) >= logEvery {
		m.last = time.Now()
		m.log.Info(m.desc, "done_bytes", m.done, "total_bytes", m.total)
	}
}

// finish ends the bar.
func (m *meter) finish() {
	if m.bar != nil {
		m.bar.Finish()
	}
}

// reader wraps r so reads advance the meter.
func (m *meter) reader(r io.Reader) io.Reader { return io.TeeReader(r, m) }

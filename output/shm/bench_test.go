//go:build linux || darwin

package shm

import (
	"log/slog"
	"testing"
	"time"
)

// BenchmarkWrite1080p publishes 1920×1080 RGBA frames; compare with BenchmarkMemcpy1080p.
func BenchmarkWrite1080p(b *testing.B) {
	useDir(b)
	w, err := NewWriter(WriterConfig{Name: "bench", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	src := make([]byte, 1920*1080*4)
	b.SetBytes(int64(len(src)))
	now := time.Now()
	for b.Loop() {
		if err := w.Write(src, 1920, 1080, 1920*4, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemcpy1080p copies the same bytes into a ring of DefaultSlots heap buffers.
func BenchmarkMemcpy1080p(b *testing.B) {
	src := make([]byte, 1920*1080*4)
	var ring [DefaultSlots][]byte
	for i := range ring {
		ring[i] = make([]byte, len(src))
	}
	b.SetBytes(int64(len(src)))
	i := 0
	for b.Loop() {
		copy(ring[i%DefaultSlots], src)
		i++
	}
}

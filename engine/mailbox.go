package engine

import (
	"context"
	"sync"
	"sync/atomic"
)

// Mailbox is a one-slot buffer between a producer and a slower consumer: Put
// overwrites an unread item and counts a drop, so the consumer always gets the
// newest item and a slow stage never builds a backlog.
type Mailbox[T any] struct {
	mu     sync.Mutex
	item   T
	full   bool
	closed bool
	ready  chan struct{} // holds one token while an item waits
	puts   atomic.Uint64
	drops  atomic.Uint64
}

// NewMailbox returns an empty mailbox.
func NewMailbox[T any]() *Mailbox[T] {
	return &Mailbox[T]{ready: make(chan struct{}, 1)}
}

// Put stores v, replacing an unread item. It reports whether an item was dropped.
// Put after Close is a no-op that counts as a drop.
func (m *Mailbox[T]) Put(v T) (dropped bool) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.drops.Add(1)
		return true
	}
	dropped = m.full
	m.item, m.full = v, true
	m.mu.Unlock()
	m.puts.Add(1)
	if dropped {
		m.drops.Add(1)
	}
	select {
	case m.ready <- struct{}{}:
	default:
	}
	return dropped
}

// Get waits for an item. ok is false when ctx is done or the mailbox is closed and empty.
func (m *Mailbox[T]) Get(ctx context.Context) (v T, ok bool) {
	for {
		m.mu.Lock()
		if m.full {
			v, m.full = m.item, false
			var zero T
			m.item = zero
			m.mu.Unlock()
			return v, true
		}
		closed := m.closed
		m.mu.Unlock()
		if closed {
			return v, false
		}
		select {
		case <-ctx.Done():
			return v, false
		case <-m.ready:
		}
	}
}

// TryGet returns the waiting item without blocking.
func (m *Mailbox[T]) TryGet() (v T, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.full {
		return v, false
	}
	v, m.full = m.item, false
	var zero T
	m.item = zero
	return v, true
}

// Close wakes waiting consumers; an item already stored can still be taken.
func (m *Mailbox[T]) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// Puts counts stored items; Drops counts items overwritten before anyone took them.
func (m *Mailbox[T]) Puts() uint64 { return m.puts.Load() }

// Drops counts items overwritten before they were taken.
func (m *Mailbox[T]) Drops() uint64 { return m.drops.Load() }

// Pending reports whether an item waits to be taken.
func (m *Mailbox[T]) Pending() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.full
}

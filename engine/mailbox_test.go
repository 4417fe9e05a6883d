package engine

import (
	"context"
	"testing"
)

func TestMailboxNewestWins(t *testing.T) {
	m := NewMailbox[int]()
	if m.Put(1) {
		t.Fatal("first put reported a drop")
	}
	if !m.Put(2) {
		t.Fatal("second put did not report a drop")
	}
	v, ok := m.Get(context.Background())
	if !ok || v != 2 {
		t.Fatalf("Get = %d, %v; want 2, true", v, ok)
	}
	if _, ok := m.TryGet(); ok {
		t.Fatal("TryGet on empty mailbox returned an item")
	}
	if m.Drops() != 1 || m.Puts() != 2 {
		t.Fatalf("drops=%d puts=%d; want 1, 2", m.Drops(), m.Puts())
	}
}

func TestMailboxCloseDrainsThenStops(t *testing.T) {
	m := NewMailbox[int]()
	m.Put(7)
	m.Close()
	if v, ok := m.Get(context.Background()); !ok || v != 7 {
		t.Fatalf("Get after close = %d, %v; want 7, true", v, ok)
	}
	if _, ok := m.Get(context.Background()); ok {
		t.Fatal("Get on closed empty mailbox returned an item")
	}
	if !m.Put(8) {
		t.Fatal("Put after Close should count as a drop")
	}
}

func TestMailboxGetCancelled(t *testing.T) {
	m := NewMailbox[int]()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := m.Get(ctx); ok {
		t.Fatal("Get with cancelled ctx returned an item")
	}
}

func TestMailboxConcurrent(t *testing.T) {
	m := NewMailbox[int]()
	done := make(chan int)
	go func() {
		last := 0
		for {
			v, ok := m.Get(context.Background())
			if !ok {
				done <- last
				return
			}
			if v <= last {
				t.Errorf("got %d after %d: order broken", v, last)
			}
			last = v
		}
	}()
	for i := 1; i <= 10000; i++ {
		m.Put(i)
	}
	m.Close()
	if last := <-done; last != 10000 {
		t.Fatalf("last item = %d; want 10000", last)
	}
}

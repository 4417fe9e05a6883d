package control

import (
	"container/heap"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
)

// maxHeldBundles bounds bundles waiting for a future timetag; more are dropped and counted.
const maxHeldBundles = 1024

// maxHold bounds how far in the future a bundle may be scheduled; later ones run at now+maxHold.
const maxHold = time.Hour

// listenOSC binds a UDP socket; a multicast group address joins the group on the default interface.
func listenOSC(addr string) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("osc in %q: %w", addr, err)
	}
	var conn *net.UDPConn
	if ua.IP != nil && ua.IP.IsMulticast() {
		conn, err = net.ListenMulticastUDP("udp", nil, ua)
	} else {
		conn, err = net.ListenUDP("udp", ua)
	}
	if err != nil {
		return nil, fmt.Errorf("osc in %q: %w", addr, err)
	}
	conn.SetReadBuffer(1 << 20)
	return conn, nil
}

// receive is the OSC receive loop: one datagram at a time, applied in arrival order.
func (c *Controller) receive() {
	defer close(c.rxDone)
	buf := make([]byte, 65536)
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.log.Warn("osc receive", "err", err)
			select {
			case <-c.stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		c.handleOSC(buf[:n], from, time.Now())
	}
}

// HandleOSC decodes and applies one OSC datagram from sender from. Malformed
// packets and denied senders are counted and logged at debug level, never fatal.
func (c *Controller) HandleOSC(b []byte, from netip.AddrPort) { c.handleOSC(b, from, time.Now()) }

func (c *Controller) handleOSC(b []byte, from netip.AddrPort, received time.Time) {
	c.st.oscPackets.Add(1)
	if len(c.cfg.OSCAllow) > 0 && !allowed(c.cfg.OSCAllow, from.Addr()) {
		c.st.oscDenied.Add(1)
		return
	}
	p, err := osc.Decode(b)
	if err != nil {
		c.st.oscMalformed.Add(1)
		c.log.Debug("malformed osc packet", "from", from, "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replyTo = from
	switch v := p.(type) {
	case *osc.Message:
		c.applyMessage(v)
	case *osc.Bundle:
		c.applyBundle(v, time.Now())
	}
	c.replyTo = netip.AddrPort{}
	if c.cfg.Trace != nil {
		c.cfg.Trace(received, time.Now())
	}
}

func allowed(list []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// applyBundle applies a bundle's elements now, or holds them until the timetag is due.
// Nested bundles run no earlier than their parent. Caller holds mu.
func (c *Controller) applyBundle(b *osc.Bundle, now time.Time) {
	var flat []held
	flatten(b, time.Time{}, &flat)
	for _, h := range flat {
		if !h.due.After(now) {
			for _, m := range h.msgs {
				c.applyMessage(m)
			}
			continue
		}
		if h.due.Sub(now) > maxHold {
			h.due = now.Add(maxHold)
		}
		if c.held.Len() >= maxHeldBundles {
			c.st.bundlesDropped.Add(1)
			continue
		}
		c.st.bundlesHeld.Add(1)
		h.seq = c.held.seq
		c.held.seq++
		heap.Push(&c.held, h)
		c.wake()
	}
}

// held is a run of messages due at one time; seq keeps arrival order among equal times.
type held struct {
	due  time.Time
	seq  uint64
	msgs []*osc.Message
}

func flatten(b *osc.Bundle, parent time.Time, out *[]held) {
	due := parent
	if b.Time != osc.Immediately && b.Time != 0 {
		if t := b.Time.Time(); t.After(due) {
			due = t
		}
	}
	cur := held{due: due}
	for _, el := range b.Elements {
		switch v := el.(type) {
		case *osc.Message:
			cur.msgs = append(cur.msgs, v)
		case *osc.Bundle:
			if len(cur.msgs) > 0 {
				*out = append(*out, cur)
				cur = held{due: due}
			}
			flatten(v, due, out)
		}
	}
	if len(cur.msgs) > 0 {
		*out = append(*out, cur)
	}
}

// bundleQueue is a min-heap of held bundles by (due, seq).
type bundleQueue struct {
	items []held
	seq   uint64
}

func (q *bundleQueue) Len() int { return len(q.items) }
func (q *bundleQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	return a.due.Before(b.due) || a.due.Equal(b.due) && a.seq < b.seq
}
func (q *bundleQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *bundleQueue) Push(x any)    { q.items = append(q.items, x.(held)) }
func (q *bundleQueue) Pop() any {
	h := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return h
}

func (q *bundleQueue) popDue(now time.Time) (held, bool) {
	if len(q.items) == 0 || q.items[0].due.After(now) {
		return held{}, false
	}
	return heap.Pop(q).(held), true
}

func (q *bundleQueue) nextDue() (time.Time, bool) {
	if len(q.items) == 0 {
		return time.Time{}, false
	}
	return q.items[0].due, true
}

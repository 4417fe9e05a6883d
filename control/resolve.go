package control

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Name lookups for /vivid/feedback/add run off the control goroutine: one slow DNS
// answer must not hold up every other message. They are cached (failures briefly too),
// bounded in number, and a failure is reported on /vivid/error.
const (
	lookupTimeout = 5 * time.Second
	maxLookups    = 4  // lookups in flight at once; more are refused
	maxWaiting    = 16 // ports waiting on one host's lookup
	maxCached     = 64
	cacheTTL      = time.Minute
	negativeTTL   = 10 * time.Second
)

type lookup struct {
	addr    netip.Addr
	err     error
	expires time.Time
}

// resolver holds the lookup cache and the lookups in flight. Guarded by Controller.mu.
type resolver struct {
	resolve  func(ctx context.Context, host string) ([]netip.Addr, error)
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	cache    map[string]lookup
	inflight map[string][]int // host → ports to add once it resolves
}

func newResolver(fn func(ctx context.Context, host string) ([]netip.Addr, error)) *resolver {
	if fn == nil {
		fn = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &resolver{resolve: fn, ctx: ctx, cancel: cancel, cache: map[string]lookup{}, inflight: map[string][]int{}}
}

// close cancels lookups in flight and waits for their goroutines.
func (r *resolver) close() {
	r.cancel()
	r.wg.Wait()
}

// pick prefers an IPv4 address (the feedback socket is dual-stack either way).
func pick(addrs []netip.Addr) (netip.Addr, bool) {
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), true
		}
	}
	if len(addrs) > 0 {
		return addrs[0], true
	}
	return netip.Addr{}, false
}

// addFeedback adds host:port as a feedback target: at once for an address or a cached
// name, else after an asynchronous lookup. Caller holds mu.
func (c *Controller) addFeedback(host string, port int) error {
	if a, err := netip.ParseAddr(host); err == nil {
		return c.addTarget(netip.AddrPortFrom(a.Unmap(), uint16(port)))
	}
	r := c.res
	now := time.Now()
	if l, ok := r.cache[host]; ok && now.Before(l.expires) {
		if l.err != nil {
			return c.lookupFailed(host, l.err)
		}
		return c.addTarget(netip.AddrPortFrom(l.addr, uint16(port)))
	}
	if ports, ok := r.inflight[host]; ok {
		if len(ports) < maxWaiting {
			r.inflight[host] = append(ports, port)
		}
		return nil
	}
	if len(r.inflight) >= maxLookups {
		return c.lookupFailed(host, fmt.Errorf("%w: %d name lookups already in flight", ErrBadArgs, maxLookups))
	}
	r.inflight[host] = []int{port}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(r.ctx, lookupTimeout)
		addrs, err := r.resolve(ctx, host)
		cancel()
		a, ok := pick(addrs)
		if err == nil && !ok {
			err = fmt.Errorf("no address for %q", host)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		l := lookup{addr: a, err: err, expires: time.Now().Add(cacheTTL)}
		if err != nil {
			l.expires = time.Now().Add(negativeTTL)
		}
		if len(r.cache) >= maxCached {
			clear(r.cache)
		}
		r.cache[host] = l
		ports := r.inflight[host]
		delete(r.inflight, host)
		if r.ctx.Err() != nil {
			return
		}
		for _, p := range ports {
			if err != nil {
				_ = c.lookupFailed(host, err) // reported on /vivid/error: nobody to return it to
				break
			}
			if err := c.addTarget(netip.AddrPortFrom(a, uint16(p))); err != nil {
				c.reportError(fmt.Sprintf("feedback/add %s %d: %v", host, p, err))
			}
		}
	}()
	return nil
}

// lookupFailed reports a failed name lookup on /vivid/error and returns it. Caller holds mu.
func (c *Controller) lookupFailed(host string, err error) error {
	err = fmt.Errorf("feedback/add %s: %w", host, err)
	c.log.Warn("feedback target not added", "host", host, "err", err)
	c.reportError(err.Error())
	return err
}

// addTarget adds a feedback target and sends it every parameter. Caller holds mu.
func (c *Controller) addTarget(ap netip.AddrPort) error {
	if c.isTarget(ap) {
		return nil
	}
	if len(c.targets) >= maxTargets {
		return fmt.Errorf("%w: already %d feedback targets", ErrBadArgs, maxTargets)
	}
	a := net.UDPAddrFromAddrPort(ap)
	c.targets = append(c.targets, a)
	c.sendParams([]*net.UDPAddr{a})
	return nil
}

// isTarget reports whether ap is a feedback target. Caller holds mu.
func (c *Controller) isTarget(ap netip.AddrPort) bool {
	for _, t := range c.targets {
		if unmapped(t.AddrPort()) == unmapped(ap) {
			return true
		}
	}
	return false
}

// unmapped turns a v4-in-v6 address into plain IPv4, for comparing addresses.
func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

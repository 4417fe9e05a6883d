package engine

import "sync/atomic"

// ParamStore holds the current Params snapshot. Load is wait-free; Update
// applies fn to a copy and publishes it with compare-and-swap, retrying on races.
type ParamStore struct {
	p       atomic.Pointer[Params]
	version atomic.Uint64
}

// NewParamStore returns a store holding p.
func NewParamStore(p Params) *ParamStore {
	s := &ParamStore{}
	s.p.Store(&p)
	return s
}

// Load returns the current snapshot. The caller must not modify it.
func (s *ParamStore) Load() *Params { return s.p.Load() }

// Version counts published snapshots.
func (s *ParamStore) Version() uint64 { return s.version.Load() }

// Update publishes fn(copy of current) and returns the new snapshot.
func (s *ParamStore) Update(fn func(p *Params)) *Params {
	for {
		old := s.p.Load()
		n := *old
		fn(&n)
		if s.p.CompareAndSwap(old, &n) {
			s.version.Add(1)
			return &n
		}
	}
}

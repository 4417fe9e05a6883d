// Package shm moves video frames between processes through a named shared-memory
// segment: a versioned header and a ring of slots, each guarded by a sequence lock,
// so the writer never waits and a reader never returns a torn frame.
//
// The byte layout and the memory-ordering contract for C and Python readers are in
// docs/shm.md; include/vivid_shm.h and examples/python/vivid_shm_read.py follow it.
package shm

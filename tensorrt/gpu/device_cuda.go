//go:build cuda

package gpu

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"gorgonia.org/cu"
)

// Device is one opened CUDA device: its primary context (the one ONNX Runtime's
// CUDA EP also uses), the conversion kernels, and scratch buffers for the
// host-to-host conversions. Safe for concurrent use; calls are serialised.
type Device struct {
	log  *slog.Logger
	info Info
	dev  cu.Device

	mu      sync.Mutex
	ctx     cu.CUContext
	closed  bool
	k       kernels
	scratch map[string]*Buffer
	bufs    map[*Buffer]struct{}
}

// Open retains device index's primary context and loads the embedded kernels.
func Open(index int, log *slog.Logger) (*Device, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	info, err := deviceInfo(index)
	if err != nil {
		return nil, err
	}
	dev, _ := cu.GetDevice(index)
	ctx, err := dev.RetainPrimaryCtx()
	if err != nil {
		return nil, fmt.Errorf("gpu %d: retain primary context: %w", index, err)
	}
	d := &Device{
		log:     log.With("component", "gpu", "device", index),
		info:    info,
		dev:     dev,
		ctx:     ctx,
		scratch: map[string]*Buffer{},
		bufs:    map[*Buffer]struct{}{},
	}
	if err := d.do(func() error { return d.k.load() }); err != nil {
		dev.ReleasePrimaryCtx()
		return nil, fmt.Errorf("gpu %d: %w", index, err)
	}
	d.log.Info("gpu opened", "name", info.Name, "cc", info.CC, "total_mb", info.TotalMB, "free_mb", info.FreeMB)
	return d, nil
}

// Info returns the inventory read when the device was opened.
func (d *Device) Info() Info { return d.info }

// CheckBudget checks a model of needMB against its budget (0: DefaultBudgetMB)
// and the memory free on the device now.
func (d *Device) CheckBudget(needMB, budgetMB int64) error {
	info := d.info
	err := d.do(func() error {
		free, _, err := cu.MemInfo()
		if err != nil {
			return fmt.Errorf("cuMemGetInfo: %w", err)
		}
		info.FreeMB = free >> 20
		return nil
	})
	if err != nil {
		return err
	}
	return info.CheckBudget(needMB, budgetMB)
}

// Synchronize waits until every kernel launched so far has finished.
func (d *Device) Synchronize() error {
	return d.do(func() error {
		if err := cu.Synchronize(); err != nil {
			return fmt.Errorf("cuCtxSynchronize: %w", err)
		}
		return nil
	})
}

// Close frees every buffer, unloads the kernels and releases the primary context.
func (d *Device) Close() error {
	err := d.do(func() error {
		var first error
		for b := range d.bufs {
			if err := cu.MemFree(b.ptr); err != nil && first == nil {
				first = fmt.Errorf("cuMemFree: %w", err)
			}
		}
		if err := d.k.unload(); err != nil && first == nil {
			first = err
		}
		return first
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	d.bufs, d.scratch = nil, nil
	if rerr := d.dev.ReleasePrimaryCtx(); rerr != nil && err == nil {
		err = fmt.Errorf("release primary context: %w", rerr)
	}
	return err
}

// do runs fn with the device's context current on a locked OS thread: CUDA
// contexts are per thread and goroutines move between threads.
func (d *Device) do(fn func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cu.SetCurrentContext(d.ctx); err != nil {
		return fmt.Errorf("cuCtxSetCurrent: %w", err)
	}
	return fn()
}

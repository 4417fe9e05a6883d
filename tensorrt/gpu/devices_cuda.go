//go:build cuda

package gpu

import (
	"fmt"
	"runtime"

	"gorgonia.org/cu"
)

// Available reports whether this binary was built with CUDA support.
func Available() bool { return true }

// Devices lists the CUDA devices with their free memory. It retains each
// device's primary context briefly to read free memory (cuMemGetInfo needs one).
func Devices() ([]Info, error) {
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("cuDeviceGetCount: %w", err)
	}
	infos := make([]Info, 0, n)
	for i := range n {
		info, err := deviceInfo(i)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// deviceInfo reads one device's inventory, free memory included.
func deviceInfo(index int) (Info, error) {
	dev, err := cu.GetDevice(index)
	if err != nil {
		return Info{}, fmt.Errorf("gpu %d: %w: %w", index, ErrNoDevice, err)
	}
	info, err := staticInfo(dev, index)
	if err != nil {
		return Info{}, err
	}
	ctx, err := dev.RetainPrimaryCtx()
	if err != nil {
		return Info{}, fmt.Errorf("gpu %d: retain primary context: %w", index, err)
	}
	defer dev.ReleasePrimaryCtx()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cu.SetCurrentContext(ctx); err != nil {
		return Info{}, fmt.Errorf("gpu %d: set context: %w", index, err)
	}
	free, _, err := cu.MemInfo()
	if err != nil {
		return Info{}, fmt.Errorf("gpu %d: cuMemGetInfo: %w", index, err)
	}
	info.FreeMB = free >> 20
	return info, nil
}

// staticInfo reads what does not change while the device runs.
func staticInfo(dev cu.Device, index int) (Info, error) {
	name, err := dev.Name()
	if err != nil {
		return Info{}, fmt.Errorf("gpu %d: name: %w", index, err)
	}
	major, minor, err := dev.ComputeCapability()
	if err != nil {
		return Info{}, fmt.Errorf("gpu %d: compute capability: %w", index, err)
	}
	total, err := dev.TotalMem()
	if err != nil {
		return Info{}, fmt.Errorf("gpu %d: total memory: %w", index, err)
	}
	v := cu.Version() // e.g. 13000 for CUDA 13.0
	return Info{
		Index:   index,
		Name:    name,
		CC:      fmt.Sprintf("%d.%d", major, minor),
		TotalMB: total >> 20,
		Driver:  fmt.Sprintf("%d.%d", v/1000, v%1000/10),
	}, nil
}

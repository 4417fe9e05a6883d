//go:build windows

package spout

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Direct3D 11 through its COM vtables, without cgo. Method indices are the vtable
// slots of d3d11.h / dxgi.h (checked against mingw-w64's headers with offsetof).
const (
	vtRelease               = 2
	vtDeviceCreateTexture2D = 5
	vtDeviceOpenShared      = 28
	vtDeviceGetFeatureLevel = 37
	vtContextMap            = 14
	vtContextUnmap          = 15
	vtContextCopyResource   = 47
	vtContextUpdateSubres   = 48
	vtContextFlush          = 111
	vtDXGIResourceGetHandle = 8
	vtUnknownQueryInterface = 0
	d3dDriverHardware       = 1
	d3dDriverWARP           = 5
	d3dCreateBGRASupport    = 0x20
	d3dSDKVersion           = 7
	d3dUsageDefault         = 0
	d3dUsageStaging         = 3
	d3dBindShaderResource   = 0x8
	d3dBindRenderTarget     = 0x20
	d3dCPUAccessRead        = 0x20000
	d3dMiscShared           = 0x2
	d3dMapRead              = 1
	hresultFailBit          = 0x80000000
)

var (
	iidDXGIResource   = windows.GUID{Data1: 0x035f3ab4, Data2: 0x482e, Data3: 0x4e50, Data4: [8]byte{0xb4, 0x1f, 0x8a, 0x7f, 0x8b, 0xd8, 0x96, 0x0b}}
	iidD3D11Texture2D = windows.GUID{Data1: 0x6f15aaf2, Data2: 0xd208, Data3: 0x4e89, Data4: [8]byte{0x9a, 0xb4, 0x48, 0x95, 0x35, 0xd3, 0x4f, 0x9c}}

	d3d11dll         = windows.NewLazySystemDLL("d3d11.dll")
	procCreateDevice = d3d11dll.NewProc("D3D11CreateDevice")
)

// com is a COM interface pointer.
type com struct{ p unsafe.Pointer }

// call invokes vtable slot i of o with o as "this".
func (o com) call(i int, args ...uintptr) uintptr {
	vtbl := *(*unsafe.Pointer)(o.p)
	fn := *(*uintptr)(unsafe.Add(vtbl, i*int(unsafe.Sizeof(uintptr(0)))))
	r, _, _ := syscall.SyscallN(fn, append([]uintptr{uintptr(o.p)}, args...)...)
	return r
}

func (o com) ptr() uintptr { return uintptr(o.p) }

func (o com) release() {
	if o.p != nil {
		o.call(vtRelease)
	}
}

// failed reports a failing HRESULT (a 32-bit value: the register's upper half is not part of it).
func failed(hr uintptr) bool { return uint32(hr)&hresultFailBit != 0 }

func hrErr(what string, hr uintptr) error {
	return fmt.Errorf("spout: %s: hresult %#08x", what, uint32(hr))
}

// texDesc is D3D11_TEXTURE2D_DESC (44 bytes).
type texDesc struct {
	Width, Height, MipLevels, ArraySize, Format uint32
	SampleCount, SampleQuality                  uint32
	Usage, BindFlags, CPUAccessFlags, MiscFlags uint32
}

// mapped is D3D11_MAPPED_SUBRESOURCE.
type mapped struct {
	Data                 unsafe.Pointer
	RowPitch, DepthPitch uint32
}

// device is a D3D11 device and its immediate context (not safe for concurrent use).
type device struct {
	dev, ctx com
	driver   string
	level    uint32
}

// openDevice creates a D3D11 device with BGRA support: hardware first, then WARP.
func openDevice() (*device, error) {
	if err := procCreateDevice.Find(); err != nil {
		return nil, fmt.Errorf("spout: d3d11.dll: %w", err)
	}
	var last uintptr
	for _, drv := range []struct {
		t    uintptr
		name string
	}{{d3dDriverHardware, "hardware"}, {d3dDriverWARP, "warp"}} {
		var dev, ctx unsafe.Pointer
		var level uint32
		hr, _, _ := procCreateDevice.Call(0, drv.t, 0, d3dCreateBGRASupport, 0, 0, d3dSDKVersion,
			uintptr(unsafe.Pointer(&dev)), uintptr(unsafe.Pointer(&level)), uintptr(unsafe.Pointer(&ctx)))
		if !failed(hr) && dev != nil && ctx != nil {
			return &device{dev: com{dev}, ctx: com{ctx}, driver: drv.name, level: level}, nil
		}
		last = hr
	}
	return nil, hrErr("D3D11CreateDevice (hardware and warp)", last)
}

func (d *device) close() {
	d.ctx.release()
	d.dev.release()
}

// createTexture makes a w×h texture of format with the given usage, bind, CPU and misc flags.
func (d *device) createTexture(w, h, format, usage, bind, cpu, misc uint32) (com, error) {
	desc := texDesc{Width: w, Height: h, MipLevels: 1, ArraySize: 1, Format: format, SampleCount: 1,
		Usage: usage, BindFlags: bind, CPUAccessFlags: cpu, MiscFlags: misc}
	var tex unsafe.Pointer
	if hr := d.dev.call(vtDeviceCreateTexture2D, uintptr(unsafe.Pointer(&desc)), 0, uintptr(unsafe.Pointer(&tex))); failed(hr) || tex == nil {
		return com{}, hrErr(fmt.Sprintf("CreateTexture2D %dx%d format %d misc %#x", w, h, format, misc), hr)
	}
	return com{tex}, nil
}

// createShared makes the sender's texture as spoutDirectX::CreateSharedDX11Texture does
// (render target + shader resource, D3D11_RESOURCE_MISC_SHARED) and returns its handle.
func (d *device) createShared(w, h, format uint32) (com, windows.Handle, error) {
	tex, err := d.createTexture(w, h, format, d3dUsageDefault, d3dBindRenderTarget|d3dBindShaderResource, 0, d3dMiscShared)
	if err != nil {
		return com{}, 0, err
	}
	var res unsafe.Pointer
	if hr := tex.call(vtUnknownQueryInterface, uintptr(unsafe.Pointer(&iidDXGIResource)), uintptr(unsafe.Pointer(&res))); failed(hr) || res == nil {
		tex.release()
		return com{}, 0, hrErr("QueryInterface(IDXGIResource)", hr)
	}
	r := com{res}
	defer r.release()
	var handle windows.Handle
	if hr := r.call(vtDXGIResourceGetHandle, uintptr(unsafe.Pointer(&handle))); failed(hr) || handle == 0 {
		tex.release()
		return com{}, 0, hrErr("IDXGIResource::GetSharedHandle", hr)
	}
	return tex, handle, nil
}

// update copies tightly packed pixels into tex and flushes, so another device sees them.
func (d *device) update(tex com, pix []byte, rowPitch int) {
	d.ctx.call(vtContextUpdateSubres, tex.ptr(), 0, 0, uintptr(unsafe.Pointer(&pix[0])), uintptr(rowPitch), 0)
	d.ctx.call(vtContextFlush)
}

// openShared opens another device's shared texture by its (32-bit) handle.
func (d *device) openShared(h uint32) (com, error) {
	var tex unsafe.Pointer
	handle := uintptr(int64(int32(h))) // LongToHandle: sign-extended, as the SDK does
	if hr := d.dev.call(vtDeviceOpenShared, handle, uintptr(unsafe.Pointer(&iidD3D11Texture2D)), uintptr(unsafe.Pointer(&tex))); failed(hr) || tex == nil {
		return com{}, hrErr(fmt.Sprintf("OpenSharedResource(%#x)", h), hr)
	}
	return com{tex}, nil
}

// readBack copies src (w×h, 4 bytes a pixel) through a staging texture into dst.
func (d *device) readBack(src com, w, h, format uint32, dst []byte) error {
	st, err := d.createTexture(w, h, format, d3dUsageStaging, 0, d3dCPUAccessRead, 0)
	if err != nil {
		return err
	}
	defer st.release()
	d.ctx.call(vtContextCopyResource, st.ptr(), src.ptr())
	var m mapped
	if hr := d.ctx.call(vtContextMap, st.ptr(), 0, d3dMapRead, 0, uintptr(unsafe.Pointer(&m))); failed(hr) || m.Data == nil {
		return hrErr("Map(staging)", hr)
	}
	defer d.ctx.call(vtContextUnmap, st.ptr(), 0)
	row := int(4 * w)
	for y := 0; y < int(h); y++ {
		copy(dst[y*row:(y+1)*row], unsafe.Slice((*byte)(unsafe.Add(m.Data, y*int(m.RowPitch))), row))
	}
	return nil
}

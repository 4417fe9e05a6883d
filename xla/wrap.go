package xla

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Param is one parameter of a wrapped program (see Wrap).
type Param struct {
	Name  string
	DType dtypes.DType
	Dims  []int
}

// Wrap is a program built around one model's graph and compiled as one XLA program:
// the frame pre/post-processing and the scheduler arithmetic around a model, so that
// only frame bytes cross to the host. Build gets the program's parameters and model,
// which applies the model's graph to its inputs (call it exactly once); it returns the
// program's results. The model's weights follow the parameters (uploaded once, at Open).
type Wrap struct {
	Key    string // names the wrapper; with the parameter shapes, the program cache key
	Params []Param
	Build  func(p []*graph.Node, model func(in []*graph.Node) []*graph.Node) []*graph.Node
}

// Device is a tensor held on the backend's device: a result of RunWrap, passed to the
// next RunWrap without crossing to the host.
type Device struct {
	t *tensors.Tensor
}

// CopyTo copies the tensor to the host slice dst (same element type and length).
func (d *Device) CopyTo(dst any) error {
	if d == nil || d.t == nil {
		return errors.New("xla: device tensor was donated or closed")
	}
	var err error
	if e := d.t.ConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			if o, ok := dst.([]float32); ok && len(o) == len(f) {
				copy(o, f)
				return
			}
		case []uint8:
			if o, ok := dst.([]uint8); ok && len(o) == len(f) {
				copy(o, f)
				return
			}
		}
		err = fmt.Errorf("xla: device tensor %s does not fit %T of length %d", d.t.Shape(), dst, lenOf(dst))
	}); e != nil {
		return e
	}
	return err
}

func lenOf(x any) int {
	switch s := x.(type) {
	case []float32:
		return len(s)
	case []uint8:
		return len(s)
	}
	return -1
}

// Close frees the device memory (a no-op after donation).
func (d *Device) Close() error {
	if d == nil || d.t == nil {
		return nil
	}
	t := d.t
	d.t = nil
	return t.FinalizeAll()
}

// Arg is one argument of RunWrap: Host, a flat Go slice in the parameter's element type,
// uploaded for this run; or Dev, a device tensor, donated to the program (invalid after
// the run) unless Keep.
type Arg struct {
	Host any
	Dev  *Device
	Keep bool
}

// wrapProgram compiles (once per bucket) the program of w.
func (m *model) wrapProgram(w *Wrap) (*program, error) {
	dims := make([][]int, len(w.Params))
	for i, p := range w.Params {
		dims[i] = p.Dims
	}
	return m.cached(m.om.key+"|wrap:"+w.Key+"|"+bucketKey(dims), w.Key, dims, func() (*program, error) {
		g := graph.NewGraph(m.b.be, "wrap-"+w.Key)
		calls := 0
		apply := func(in []*graph.Node) []*graph.Node {
			if calls++; calls > 1 {
				panic(errors.New("xla: a wrapper applied its model twice"))
			}
			outs, err := m.lowerInto(g, in)
			if err != nil {
				panic(err) // guard returns it
			}
			return outs
		}
		var outs []*graph.Node
		err := guard(func() {
			ps := make([]*graph.Node, len(w.Params))
			for i, p := range w.Params {
				ps[i] = graph.Parameter(g, p.Name, shapes.Make(p.DType, p.Dims...))
			}
			outs = w.Build(ps, apply)
		})
		if err == nil && calls != 1 {
			err = errors.New("xla: the wrapper never applied its model")
		}
		var p *program
		if err == nil {
			p, err = finish(g, outs, m.om.path)
		}
		if err != nil {
			g.Finalize()
			return nil, fmt.Errorf("xla: wrapper %s: %w", w.Key, err)
		}
		return p, nil
	})
}

// RunWrap runs w around the model with args (one per w.Params) and returns its results
// on the device.
func (m *model) RunWrap(w *Wrap, args []Arg) ([]*Device, error) {
	if len(args) != len(w.Params) {
		return nil, fmt.Errorf("xla: wrapper %s: %d arguments for %d parameters", w.Key, len(args), len(w.Params))
	}
	p, err := m.wrapProgram(w)
	if err != nil {
		return nil, err
	}
	bufs := make([]backends.Buffer, 0, len(args)+len(m.wBufs))
	donate := make([]bool, 0, cap(bufs))
	free := func() {
		for i, b := range bufs {
			if donate[i] { // ours: uploaded here or taken from a donated device tensor
				_ = m.b.be.BufferFinalize(b)
			}
		}
	}
	for i, a := range args {
		var buf backends.Buffer
		var err error
		switch {
		case a.Dev != nil && a.Dev.t == nil:
			err = errors.New("device tensor was donated or closed")
		case a.Dev != nil && a.Keep:
			buf, err = a.Dev.t.Buffer(m.b.be, 0)
		case a.Dev != nil:
			buf, err = a.Dev.t.DonateBuffer(m.b.be, 0)
			a.Dev.t = nil
		default:
			buf, err = m.b.be.BufferFromFlatData(0, a.Host, shapes.Make(w.Params[i].DType, w.Params[i].Dims...))
		}
		if err != nil {
			free()
			return nil, fmt.Errorf("xla: wrapper %s: argument %s: %w", w.Key, w.Params[i].Name, err)
		}
		bufs, donate = append(bufs, buf), append(donate, a.Dev == nil || !a.Keep)
	}
	for _, wb := range m.wBufs {
		bufs, donate = append(bufs, wb), append(donate, false)
	}
	results, err := execute(p.g, bufs, donate)
	if err != nil {
		return nil, fmt.Errorf("xla: %s: wrapper %s: %w", m.om.path, w.Key, err)
	}
	out := make([]*Device, len(results))
	for i, r := range results {
		out[i] = &Device{t: r}
	}
	return out, nil
}

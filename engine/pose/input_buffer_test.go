package pose

import (
	"errors"
	"testing"
	"time"
)

// lendingModel lends its own input buffer, like ONNXModel's tensor.
type lendingModel struct {
	buf     []int32
	lendErr error
	same    bool
}

func (m *lendingModel) InputBuffer(h, w int) ([]int32, error) {
	if m.lendErr != nil {
		return nil, m.lendErr
	}
	if len(m.buf) != h*w*3 {
		m.buf = make([]int32, h*w*3)
	}
	return m.buf, nil
}

func (m *lendingModel) Infer(in []int32, h, w int) ([]float32, error) {
	m.same = len(in) == len(m.buf) && &in[0] == &m.buf[0]
	return singleOutput(0.5, 0.5, 0.9), nil
}

func TestEstimatorWritesIntoLentBuffer(t *testing.T) {
	img := noise(640, 480)
	m := &lendingModel{}
	e := NewEstimator(Specs["movenet-lightning"], m, DefaultOptions())
	if _, _, err := e.Estimate(img, time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if !m.same {
		t.Fatal("Infer did not get the lent buffer")
	}
	want := make([]int32, 192*192*3)
	CropAndResize(img, InitCropRegion(true, 640, 480), 192, 192, want)
	for i := range want {
		if m.buf[i] != want[i] {
			t.Fatalf("lent buffer value %d = %d; want %d", i, m.buf[i], want[i])
		}
	}
	m.lendErr = errors.New("no tensor")
	if _, _, err := e.Estimate(img, time.Unix(2, 0)); err == nil || err.Error() != "pose: no tensor" {
		t.Fatalf("err = %v; want pose: no tensor", err)
	}
}

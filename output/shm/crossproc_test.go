//go:build linux || darwin

package shm

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// readerReport is what a helper reader process prints last.
type readerReport struct {
	Frames, Torn int
	Generations  []uint64
	Err          string
}

// helperReader runs in a child process: it reads every new frame until the writer
// closes, verifies each against the test pattern and prints a JSON report.
func helperReader(name string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var rep readerReport
	var r *Reader
	for r == nil {
		var err error
		if r, err = OpenReader(name); err != nil && ctx.Err() != nil {
			rep.Err = err.Error()
			json.NewEncoder(os.Stdout).Encode(rep)
			return 1
		}
		time.Sleep(time.Millisecond)
	}
	defer r.Close()
	var buf []byte
	var last uint64
	seen := map[uint64]bool{}
	for ctx.Err() == nil {
		var info FrameInfo
		var err error
		buf, info, err = r.ReadFrame(buf)
		if errors.Is(err, ErrWriterGone) {
			break
		}
		if err != nil || info.Frame == last {
			continue
		}
		last = info.Frame
		rep.Frames++
		if fn, err := CheckPattern(buf); err != nil || fn != info.Frame {
			rep.Torn++
			fmt.Fprintln(os.Stderr, "torn:", info.Frame, fn, err)
		}
		if !seen[info.Generation] {
			seen[info.Generation] = true
			rep.Generations = append(rep.Generations, info.Generation)
			fmt.Printf("gen %d\n", info.Generation)
		}
	}
	if ctx.Err() != nil {
		rep.Err = ctx.Err().Error()
	}
	json.NewEncoder(os.Stdout).Encode(rep)
	return 0
}

// TestCrossProcessNoTornFrames writes checksummed frames at full speed while two
// reader processes verify every frame they get; mid-stream the size changes.
func TestCrossProcessNoTornFrames(t *testing.T) {
	useDir(t)
	const name = "xproc"
	w, err := NewWriter(WriterConfig{Name: name, Slots: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sizes := [2][2]int{{160, 120}, {128, 100}}
	pix := [2][]byte{make([]byte, 4*160*120), make([]byte, 4*128*100)}
	fn := uint64(0)
	write := func(gen int) {
		fn++
		FillPattern(pix[gen], fn)
		if err := w.Write(pix[gen], sizes[gen][0], sizes[gen][1], 4*sizes[gen][0], time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	write(0)

	type child struct {
		cmd   *exec.Cmd
		lines chan string
	}
	var kids []child
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "VIVID_SHM_HELPER=reader", "VIVID_SHM_HELPER_NAME="+name)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 16)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		kids = append(kids, child{cmd, lines})
	}
	// waitGen writes frames of size gen until every reader reported generation want.
	waitGen := func(gen int, want string) {
		for _, k := range kids {
			for done := false; !done; {
				select {
				case l := <-k.lines:
					done = l == want
				default:
					write(gen)
				}
			}
		}
	}
	waitGen(0, "gen 1")
	for i := 0; i < 400; i++ {
		write(0)
	}
	write(1) // resize mid-stream: generation 2
	waitGen(1, "gen 2")
	for i := 0; i < 400; i++ {
		write(1)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for i, k := range kids {
		var last string
		for l := range k.lines {
			last = l
		}
		if err := k.cmd.Wait(); err != nil {
			t.Fatalf("reader %d: %v", i, err)
		}
		var rep readerReport
		if err := json.NewDecoder(strings.NewReader(last)).Decode(&rep); err != nil {
			t.Fatalf("reader %d report %q: %v", i, last, err)
		}
		t.Logf("reader %d: %d frames verified of %d written, generations %v", i, rep.Frames, fn, rep.Generations)
		if rep.Torn != 0 || rep.Err != "" || rep.Frames < 2 || len(rep.Generations) != 2 {
			t.Fatalf("reader %d: %+v", i, rep)
		}
	}
}

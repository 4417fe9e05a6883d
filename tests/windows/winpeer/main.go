//go:build windows

// Command winpeer is the Windows-side peer of the wine end-to-end tests (tests/windows):
// it reads a TouchDesigner Shared Mem sender as another Windows process and checks
// that a stopped engine released it. Test tool, not shipped.
//
//	winpeer tdshm NAME [--wait 20s]   one frame as a JSON line
//	winpeer gone NAME...              exit 1 naming each sender still open
//	winpeer hold                      stay alive until stdin closes (keeps wine's services up)
//	winpeer ctrl-c --out F --stop F [--gone NAME]... -- EXE ARGS...
//	                                  Ctrl-C through the console (GenerateConsoleCtrlEvent); see ctrlc.go
//	winpeer spout-send NAME [--fake]  a Spout sender (output/spout) until Ctrl-C; --fake
//	                                  stands in for D3D11 textures where wine cannot share them
//	winpeer spout-read NAME           the Go reader of the Spout layout (NOT the SDK) as JSON
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: winpeer tdshm|gone|hold|ctrl-c|spout-send|spout-read ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "tdshm":
		err = cmdTDShm(os.Args[2:])
	case "gone":
		err = cmdGone(os.Args[2:])
	case "ctrl-c":
		err = cmdCtrlC(os.Args[2:])
	case "hold":
		// Wine ends its services (services.exe and what it started) once no user
		// process is left in the prefix: a service test holds one until stdin closes.
		_, err = io.Copy(io.Discard, os.Stdin)
	case "spout-send":
		err = cmdSpoutSend(os.Args[2:])
	case "spout-read":
		err = cmdSpoutRead(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "winpeer:", err)
		os.Exit(1)
	}
}

// tdshmResult is what `winpeer tdshm` prints.
type tdshmResult struct {
	Width, Height int32
	Format        uint32
	Postfix       string
	DataSize      int64
	Mean          float64 // mean of all RGB bytes
	OpaqueAlpha   bool    // every alpha byte is 255
}

func cmdTDShm(args []string) error {
	fs := flag.NewFlagSet("tdshm", flag.ContinueOnError)
	wait := fs.Duration("wait", 20*time.Second, "how long to wait for the sender")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errors.New("usage: winpeer tdshm NAME [--wait D]")
	}
	deadline := time.Now().Add(*wait)
	for {
		f, err := tdshm.ReadFrame(fs.Arg(0))
		if err == nil {
			return printJSON(summarize(f))
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func summarize(f *tdshm.Frame) tdshmResult {
	r := tdshmResult{Width: f.Header.Width, Height: f.Header.Height, Format: f.Header.PixelFormat,
		Postfix: f.Info.Postfix, DataSize: f.Header.DataSize, OpaqueAlpha: true}
	var sum, n float64
	for i := 0; i+3 < len(f.Pix); i += 4 {
		sum += float64(f.Pix[i]) + float64(f.Pix[i+1]) + float64(f.Pix[i+2])
		n += 3
		if f.Pix[i+3] != 255 {
			r.OpaqueAlpha = false
		}
	}
	if n > 0 {
		r.Mean = sum / n
	}
	return r
}

// cmdGone fails naming every sender whose shared memory is still open.
func cmdGone(names []string) error {
	var open []string
	for _, n := range names {
		if tdshm.Exists(n) {
			open = append(open, n)
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("still open: %s", strings.Join(open, " "))
	}
	return nil
}

func printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(b))
	return err
}

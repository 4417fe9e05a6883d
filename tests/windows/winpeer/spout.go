//go:build windows

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/output/spout"
)

// fakeHandle+n is the share handle --fake announces for its n-th texture (nothing is behind it).
const fakeHandle = 0x7e570000

type fakeTextures struct{ n uint32 }
type fakeTexture struct{}

func (f *fakeTextures) CreateShared(w, h, format uint32) (spout.Texture, uint32, error) {
	f.n++
	return fakeTexture{}, fakeHandle + f.n, nil
}
func (f *fakeTextures) Close()                      {}
func (fakeTexture) Update(pix []byte, rowPitch int) {}
func (fakeTexture) Release()                        {}

func cmdSpoutSend(args []string) error {
	fs := flag.NewFlagSet("spout-send", flag.ContinueOnError)
	fake := fs.Bool("fake", false, "fake textures (registry, info, mutexes and frame count stay real)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errors.New("usage: winpeer spout-send NAME [--fake]")
	}
	cfg := spout.Config{Name: fs.Arg(0)}
	if *fake {
		cfg.Textures = &fakeTextures{}
	}
	s, err := spout.NewSender(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	const w, h = 320, 240
	pix := make([]byte, 4*w*h)
	for i := 0; i < len(pix); i += 4 {
		pix[i], pix[i+1], pix[i+2], pix[i+3] = 200, 100, 50, 255
	}
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		if err := s.Write(pix, w, h, 4*w); err != nil {
			s.Close()
			return err
		}
		if n == 0 {
			fmt.Printf("sending %s\n", s.Name())
		}
		select {
		case <-ctx.Done():
			return s.Close()
		case <-tick.C:
		}
	}
}

// spoutReadResult is what spout-read prints.
type spoutReadResult struct {
	Listed       bool
	Active       string
	Info         spout.TextureInfo
	Frame        bool   // the pixels were read
	FrameErr     string // why not
	FirstPixel   []byte // BGRA
	FrameCounted int
}

func cmdSpoutRead(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: winpeer spout-read NAME")
	}
	name := args[0]
	names, active, err := spout.Senders()
	if errors.Is(err, spout.ErrNotFound) {
		return printJSON(spoutReadResult{}) // no registry: no sender at all
	}
	if err != nil {
		return err
	}
	r := spoutReadResult{Listed: slices.Contains(names, name), Active: active}
	if r.Info, err = spout.Info(name); err != nil {
		return printJSON(r)
	}
	f, err := spout.ReadFrame(name)
	if err != nil {
		r.FrameErr = err.Error()
	} else {
		r.Frame, r.FirstPixel, r.FrameCounted = true, f.Pix[:4], f.Count
	}
	return printJSON(r)
}

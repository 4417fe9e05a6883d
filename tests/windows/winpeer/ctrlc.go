//go:build windows

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/windows"

	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

var procSetConsoleCtrlHandler = windows.NewLazySystemDLL("kernel32.dll").NewProc("SetConsoleCtrlHandler")

// cmdCtrlC is what a user's Ctrl-C in a console does: it runs EXE on this console (run
// it under wineconsole: wine 8 has no console for a process started from a pipe), waits
// for the stop file, sends CTRL_C_EVENT to the console's process group and reports, as
// the last line of --out, "RESULT exit=N ms=M still_open=NAMES".
func cmdCtrlC(args []string) (err error) {
	fs := flag.NewFlagSet("ctrl-c", flag.ContinueOnError)
	outPath := fs.String("out", "", "file for the engine's output and the RESULT line")
	stop := fs.String("stop", "", "send Ctrl-C once this file exists")
	var gone multi
	fs.Var(&gone, "gone", "TouchDesigner sender that must be released after the exit (repeatable)")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 || *outPath == "" || *stop == "" {
		return errors.New("usage: winpeer ctrl-c --out F --stop F [--gone NAME]... -- EXE ARGS...")
	}
	out, err := os.Create(*outPath)
	if err != nil {
		return err
	}
	defer out.Close()
	defer func() {
		if err != nil {
			fmt.Fprintf(out, "RESULT error=%q\n", err.Error())
		}
	}()
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	// This process ignores the event it sends; the engine, in the same group, gets it.
	// Only after the start: children inherit "ignore Ctrl-C".
	if r, _, e := procSetConsoleCtrlHandler.Call(0, 1); r == 0 {
		cmd.Process.Kill()
		return fmt.Errorf("SetConsoleCtrlHandler: %w", e)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(*stop); err == nil {
			break
		}
		select {
		case err := <-done:
			return fmt.Errorf("engine exited before the stop file: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return errors.New("no stop file within 90 s")
		}
	}
	t0 := time.Now()
	if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_C_EVENT, 0); err != nil {
		cmd.Process.Kill()
		return fmt.Errorf("GenerateConsoleCtrlEvent: %w", err)
	}
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		return errors.New("engine still running 15 s after Ctrl-C")
	}
	var open []string
	for _, n := range gone {
		if tdshm.Exists(n) {
			open = append(open, n)
		}
	}
	fmt.Fprintf(out, "RESULT exit=%d ms=%d still_open=%s\n", cmd.ProcessState.ExitCode(), time.Since(t0).Milliseconds(), strings.Join(open, ","))
	return nil
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// Command vivid-ml-engine is a headless engine for live visuals: frames in,
// pose and diffusion, OSC and shared-memory frames out, steered by MIDI and OSC.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `vivid-ml-engine — headless live-visuals engine (pose, img2img diffusion, OSC, MIDI)

usage: vivid-ml-engine COMMAND [flags]

commands:
  run         start the engine (default: test pattern → pose → OSC 127.0.0.1:9000)
  check       validate a config, its mappings, presets and models
  pose        run pose detection on images, one JSON line per image
  segment     person mask of an image (selfie, meet) as a grayscale PNG
  upscale     ESRGAN super-resolution of an image (×2, ×3, ×4, ×8)
  models      list | fetch | verify | path | import-tfjs | make-tiny-sdxl
  diffusion   schedule | run
  shm         read NAME --out frame.png
  devices     list MIDI ports, execution providers and GPUs
  bench       pose-model | control | diffusion | shm | latency | operator
  systemd-unit  print the systemd unit for running as a service
  service     install | uninstall | run   (Windows Service Control Manager)
  version     print versions

Run 'vivid-ml-engine COMMAND -h' for the flags of a command.
`

// errUsage means the command line was wrong; the message was already printed.
var errUsage = errors.New("usage error")

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, args := os.Args[1], os.Args[2:]
	if cmd == "run" {
		// SIGHUP's default action kills the process: a reload (systemctl reload) that comes
		// while models load must not, so ignore it until run's control installs its handler.
		signal.Ignore(syscall.SIGHUP)
	}
	var err error
	switch cmd {
	case "run":
		err = cmdRun(ctx, args)
	case "check":
		err = cmdCheck(ctx, args)
	case "pose":
		err = cmdPose(ctx, args)
	case "segment":
		err = cmdSegment(ctx, args)
	case "upscale":
		err = cmdUpscale(ctx, args)
	case "models":
		err = cmdModels(ctx, args)
	case "diffusion":
		err = cmdDiffusion(ctx, args)
	case "shm":
		err = cmdShm(ctx, args)
	case "devices":
		err = cmdDevices(ctx, args)
	case "bench":
		err = cmdBench(ctx, args)
	case "systemd-unit":
		err = cmdSystemdUnit()
	case "service":
		err = cmdService(ctx, args)
	case "version", "--version", "-v":
		err = cmdVersion(ctx, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintf(os.Stderr, "vivid-ml-engine %s: %v\n", cmd, err)
		}
		os.Exit(1)
	}
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/internal/oneshot"
)

// diffusionSchedule prints the timesteps and sigmas one img2img run uses, as diffusers would.
func diffusionSchedule(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("diffusion schedule", flag.ContinueOnError)
	scheduler := fs.String("scheduler", "euler", "euler | euler-ancestral | ddim | tcd | lcm")
	spacing := fs.String("spacing", "", "trailing | leading | linspace (default: the config's, SDXL few-step: trailing; LCM/TCD ignore it)")
	steps := fs.Int("steps", 4, "inference steps N")
	strength := fs.Float64("strength", 1, "img2img strength: runs the last min(int(N·strength), N) steps")
	cfgPath := fs.String("config", "", "diffusers scheduler/scheduler_config.json (default: SDXL's, trailing)")
	asJSON := fs.Bool("json", false, `print {"timesteps":[…],"sigmas":[…]}`)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "diffusion schedule: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	name, plan, err := oneshot.Schedule(oneshot.ScheduleConfig{
		Scheduler: *scheduler, Spacing: *spacing, Steps: *steps, Strength: *strength, ConfigPath: *cfgPath,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(struct {
			Timesteps []float64 `json:"timesteps"`
			Sigmas    []float64 `json:"sigmas"`
		}{plan.Timesteps, plan.Sigmas})
	}
	fmt.Printf("scheduler %s, %d steps, strength %g: running steps %d..%d\n", name, *steps, *strength, plan.Start, *steps-1)
	for i, t := range plan.Timesteps {
		fmt.Printf("step %d  timestep %-7g sigma %.6f\n", plan.Start+i, t, plan.Sigmas[i])
	}
	fmt.Printf("final            sigma %.6f\n", plan.Sigmas[len(plan.Sigmas)-1])
	return nil
}

package gpu

import (
	"fmt"
	"strings"
)

// DefaultBudgetMB is the GPU memory one model may use unless config says
// otherwise: the seed targets cards from the RTX 3060 up, under 8 GB per model.
const DefaultBudgetMB = 8192

// Info describes one CUDA device as the driver reports it.
type Info struct {
	Index   int    // CUDA device ordinal
	Name    string // e.g. "NVIDIA H100 80GB HBM3"
	CC      string // compute capability "major.minor", e.g. "9.0"
	TotalMB int64  // total device memory
	FreeMB  int64  // free device memory when queried
	Driver  string // CUDA version the driver supports (cuDriverGetVersion), e.g. "13.0"
}

// String is the one-line form `vivid-ml-engine devices gpu` prints.
func (i Info) String() string {
	return fmt.Sprintf("gpu %d: %s, compute capability %s, %d MiB total, %d MiB free, driver CUDA %s",
		i.Index, i.Name, i.CC, i.TotalMB, i.FreeMB, i.Driver)
}

// CacheKey names the GPU architecture for a TensorRT engine cache directory:
// engines are specific to the compute capability and the card (e.g. "sm90-nvidia-h100-80gb-hbm3").
func (i Info) CacheKey() string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, i.Name)
	return "sm" + strings.ReplaceAll(i.CC, ".", "") + "-" + strings.Trim(name, "-")
}

// CheckBudget returns nil when a model of needMB fits both its budget
// (budgetMB; 0 means DefaultBudgetMB) and the device's free memory.
func (i Info) CheckBudget(needMB, budgetMB int64) error {
	if budgetMB <= 0 {
		budgetMB = DefaultBudgetMB
	}
	if needMB > budgetMB {
		return fmt.Errorf("needs %d MiB, budget is %d MiB: %w", needMB, budgetMB, ErrBudget)
	}
	if needMB > i.FreeMB {
		return fmt.Errorf("needs %d MiB, gpu %d (%s) has %d MiB free: %w", needMB, i.Index, i.Name, i.FreeMB, ErrBudget)
	}
	return nil
}

package gpu

import (
	"errors"
	"testing"
)

func TestCheckBudget(t *testing.T) {
	h100 := Info{Index: 0, Name: "NVIDIA H100 80GB HBM3", CC: "9.0", TotalMB: 81559, FreeMB: 81000, Driver: "13.0"}
	small := Info{Index: 1, Name: "NVIDIA GeForce RTX 3060", CC: "8.6", TotalMB: 12288, FreeMB: 3000, Driver: "12.4"}
	tests := []struct {
		name     string
		info     Info
		need     int64
		budget   int64
		wantErr  string
		wantNone bool
	}{
		{"fits default budget", h100, 6000, 0, "", true},
		{"over default budget", h100, 9000, 0, "needs 9000 MiB, budget is 8192 MiB: model does not fit in GPU memory", false},
		{"over own budget", h100, 5000, 4096, "needs 5000 MiB, budget is 4096 MiB: model does not fit in GPU memory", false},
		{"over free memory", small, 4000, 0,
			"needs 4000 MiB, gpu 1 (NVIDIA GeForce RTX 3060) has 3000 MiB free: model does not fit in GPU memory", false},
		{"exactly free", small, 3000, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.info.CheckBudget(tt.need, tt.budget)
			if tt.wantNone {
				if err != nil {
					t.Fatalf("CheckBudget = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrBudget) {
				t.Fatalf("CheckBudget = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestInfoStrings(t *testing.T) {
	i := Info{Index: 0, Name: "NVIDIA H100 80GB HBM3", CC: "9.0", TotalMB: 81559, FreeMB: 81000, Driver: "13.0"}
	if got, want := i.CacheKey(), "sm90-nvidia-h100-80gb-hbm3"; got != want {
		t.Errorf("CacheKey = %q, want %q", got, want)
	}
	want := "gpu 0: NVIDIA H100 80GB HBM3, compute capability 9.0, 81559 MiB total, 81000 MiB free, driver CUDA 13.0"
	if got := i.String(); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

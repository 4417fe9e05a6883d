package diffusion_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that stages and prompt caches stop every goroutine they start.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

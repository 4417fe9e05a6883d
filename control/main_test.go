package control

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind (Close must wait for them).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

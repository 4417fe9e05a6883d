package mapping

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind (Watcher.Close must wait).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

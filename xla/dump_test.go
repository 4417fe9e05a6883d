package xla

import (
	"os"
	"sort"
	"strings"
	"testing"
)

func TestDumpOps(t *testing.T) {
	paths := os.Getenv("XLA_DUMP")
	if paths == "" {
		t.Skip()
	}
	for _, p := range strings.Split(paths, ",") {
		m, err := readModel(p)
		if err != nil {
			t.Fatal(err)
		}
		ops := map[string]int{}
		for _, n := range m.graph.GetNode() {
			ops[n.GetOpType()]++
		}
		var names []string
		for k, v := range ops {
			names = append(names, k+":"+itoa(v))
		}
		sort.Strings(names)
		t.Logf("%s opset %d: %s", p, m.opset, strings.Join(names, " "))
		for _, in := range m.graph.GetInput() {
			t.Logf("  in %s %v", in.GetName(), in.GetType().GetTensorType().GetShape())
		}
	}
}

func itoa(v int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(v)) }
func fmtInt(v int) string {
	s := ""
	for v > 0 || s == "" {
		s = string(rune('0'+v%10)) + s
		v /= 10
	}
	return s
}

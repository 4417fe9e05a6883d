package control

import (
	"net/netip"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
)

// BenchmarkHandleOSC: one datagram decoded, matched against a mapping rule and published.
func BenchmarkHandleOSC(b *testing.B) {
	dir := b.TempDir()
	f := writeFileB(b, dir+"/m.yaml", "rules:\n  - {osc: {address: /1/fader1}, target: guidance, range: [0, 10], curve: {type: exp}}\n")
	c, err := New(Config{MappingFiles: []string{f}, NoWatch: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	pkts := make([][]byte, 100)
	for i := range pkts {
		pkts[i], _ = osc.AppendMessage(nil, &osc.Message{Address: "/1/fader1", Args: []any{float32(i) / 100}})
	}
	from := netip.MustParseAddrPort("127.0.0.1:1")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.HandleOSC(pkts[i%100], from)
	}
	if c.ps.Load().Guidance == 0 && b.N > 2 {
		b.Fatal("rule never applied")
	}
}

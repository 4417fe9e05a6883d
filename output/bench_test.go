package output

import "testing"

// BenchmarkEncodeOnePerson encodes one person in each format; ref is the
// original go-osc based encoder, for comparison.
func BenchmarkEncodeOnePerson(b *testing.B) {
	for _, f := range []string{FormatBoth, FormatFlat, FormatPerKeypoint} {
		e := PoseEncoding{Format: f}
		if err := e.Validate(); err != nil {
			b.Fatal(err)
		}
		r := result(1)
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Encode(r, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(f+"/ref", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.refEncode(r, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package output

import "testing"

func BenchmarkEncodeOnePerson(b *testing.B) {
	e := PoseEncoding{}
	if err := e.Validate(); err != nil {
		b.Fatal(err)
	}
	r := result(1)
	for b.Loop() {
		if _, err := e.Encode(r, 1); err != nil {
			b.Fatal(err)
		}
	}
}

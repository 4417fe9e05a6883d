package osc

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	goosc "github.com/hypebeast/go-osc/osc"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pat, addr string
		want      bool
	}{
		{"/vivid/strength", "/vivid/strength", true},
		{"/a", "/ab", false}, // anchored (go-osc matches this)
		{"/a", "/a/b", false},
		{"/vivid/st*", "/vivid/strength", true},
		{"/vivid/st*", "/vivid/steps", true},
		{"/vivid/*", "/vivid/seed/random", false}, // * never crosses /
		{"/*/*", "/vivid/seed", true},
		{"/1/fader?", "/1/fader1", true},
		{"/1/fader?", "/1/fader12", false},
		{"/1/fader[1-3]", "/1/fader2", true},
		{"/1/fader[1-3]", "/1/fader4", false},
		{"/1/fader[!1-3]", "/1/fader4", true},
		{"/1/fader[!1-3]", "/1/fader1", false},
		{"/1/fader[13]", "/1/fader3", true},
		{"/{vivid,other}/seed", "/other/seed", true},
		{"/{vivid,other}/seed", "/others/seed", false},
		{"/x/*a*b", "/x/aaab", true},
		{"/x/*a*b", "/x/aaac", false},
		{"/x/{a,ab}c", "/x/abc", true}, // backtracks over alternatives
		{"/x/*", "/x/", true},
	}
	for _, tt := range tests {
		t.Run(tt.pat+" "+tt.addr, func(t *testing.T) {
			p, err := Compile(tt.pat)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(tt.addr); got != tt.want {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPatternErrors(t *testing.T) {
	tests := []struct{ pat, want string }{
		{"/a[", `bad osc address pattern: "/a[": unclosed [`},
		{"/a{b", `bad osc address pattern: "/a{b": unclosed {`},
		{"/a]", `bad osc address pattern: "/a]": unmatched ]`},
		{"a", `bad osc address pattern: "a" does not start with /`},
	}
	for _, tt := range tests {
		_, err := Compile(tt.pat)
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrBadPattern) {
			t.Errorf("Compile(%q) = %v, want %s", tt.pat, err, tt.want)
		}
	}
}

func TestMatches(t *testing.T) {
	mk := func(s string) *Pattern { p, _ := Compile(s); return p }
	if !Matches(mk("/1/fader*"), mk("/1/fader1")) || !Matches(mk("/1/fader1"), mk("/1/fader*")) {
		t.Fatal("want match in both directions")
	}
	if Matches(mk("/1/a*"), mk("/1/b*")) {
		t.Fatal("two different patterns matched")
	}
}

func TestRoundTrip(t *testing.T) {
	m := &Message{Address: "/vivid/x", Args: []any{int32(-3), float32(0.5), "héllo", []byte{1, 2, 3, 4, 5}, int64(1 << 40), 2.25, true, false, nil, Timetag(7)}}
	b, err := AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %#v, want %#v", got, m)
	}
	bd := &Bundle{Time: 99, Elements: []any{m, &Bundle{Time: 100, Elements: []any{&Message{Address: "/a"}}}}}
	b, err = AppendBundle(nil, bd)
	if err != nil {
		t.Fatal(err)
	}
	gotB, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// An encoded empty message has a "," type tag string and decodes to nil Args.
	if !reflect.DeepEqual(gotB, bd) {
		t.Fatalf("got %#v, want %#v", gotB, bd)
	}
}

// TestGoOSCPeer cross-checks against an independent encoder/decoder (go-osc).
func TestGoOSCPeer(t *testing.T) {
	gm := goosc.NewMessage("/1/fader1", float32(0.25), int32(7), "s", true)
	b, err := gm.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &Message{Address: "/1/fader1", Args: []any{float32(0.25), int32(7), "s", true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	mine, _ := AppendMessage(nil, &Message{Address: "/vivid/param/strength", Args: []any{float32(0.75)}})
	p, err := goosc.ParsePacket(string(mine))
	if err != nil {
		t.Fatal(err)
	}
	pm := p.(*goosc.Message)
	if pm.Address != "/vivid/param/strength" || pm.Arguments[0] != float32(0.75) {
		t.Fatalf("go-osc read %v", pm)
	}
}

func TestDecodeErrors(t *testing.T) {
	enc := func(m *Message) []byte { b, _ := AppendMessage(nil, m); return b }
	good := enc(&Message{Address: "/a", Args: []any{float32(1)}})
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "malformed osc packet: size 0 is not a positive multiple of 4"},
		{"odd", []byte("/a\x00"), "malformed osc packet: size 3 is not a positive multiple of 4"},
		{"noslash", []byte("abc\x00"), "malformed osc packet: address does not start with /"},
		{"truncated arg", good[:len(good)-4], "malformed osc packet: argument 'f' truncated"},
		{"unterminated", []byte("/abc"), "malformed osc packet: unterminated string"},
		{"bad tag", []byte("/a\x00\x00,q\x00\x00"), "malformed osc packet: type tag 'q'"},
		{"array", []byte("/a\x00\x00,[]\x00"), "unsupported osc type tag: arrays"},
		{"blob", []byte("/a\x00\x00,b\x00\x00\xff\xff\xff\xff"), "malformed osc packet: blob of 4294967295 bytes truncated"},
		{"bundle size", append([]byte("#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01"), 0, 0, 1, 0), "malformed osc packet: bundle element size 256 of 0 bytes left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.b)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestTimetag(t *testing.T) {
	tt := Timetag(uint64(ntpEpochOffset+10)<<32 | 1<<31)
	if got := tt.Time().UnixMilli(); got != 10500 {
		t.Fatalf("Time = %d ms, want 10500", got)
	}
	if back := TimetagOf(tt.Time()); math.Abs(float64(back)-float64(tt)) > 8 {
		t.Fatalf("round trip %x != %x", back, tt)
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := AppendMessage(nil, &Message{Address: "/vivid/strength", Args: []any{float32(0.5), "x", []byte{1}}})
	f.Add(b)
	bd, _ := AppendBundle(nil, &Bundle{Time: 1, Elements: []any{&Message{Address: "/a", Args: []any{int32(1)}}}})
	f.Add(bd)
	f.Add([]byte("#bundle\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same value.
		var out []byte
		switch v := p.(type) {
		case *Message:
			out, err = AppendMessage(nil, v)
		case *Bundle:
			out, err = AppendBundle(nil, v)
		}
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(normalize(again), normalize(p)) {
			t.Fatalf("round trip changed %#v to %#v", p, again)
		}
	})
}

func FuzzPattern(f *testing.F) {
	f.Add("/vivid/st*", "/vivid/strength")
	f.Add("/{a,b}/[!x-z]?", "/a/bc")
	f.Add("/a[", "/a")
	f.Add("/*a*a*a*a*a*a*a*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Fuzz(func(t *testing.T, pat, addr string) {
		p, err := Compile(pat)
		if err != nil {
			return
		}
		got := p.Match(addr)
		if p.IsLiteral() && got != (pat == addr) {
			t.Fatalf("literal %q vs %q = %v", pat, addr, got)
		}
		if !HasWildcards(addr) && got && !p.Match(addr) {
			t.Fatal("not deterministic")
		}
	})
}

// normalize makes decoded values comparable: a message without a type tag string
// re-encodes with an empty one (both decode to nil Args), and NaN != NaN.
func normalize(p any) any {
	switch v := p.(type) {
	case *Message:
		args := make([]any, len(v.Args))
		for i, a := range v.Args {
			switch x := a.(type) {
			case float32:
				if x != x {
					a = "NaN32"
				}
			case float64:
				if x != x {
					a = "NaN64"
				}
			}
			args[i] = a
		}
		if len(args) == 0 {
			args = nil
		}
		return Message{Address: v.Address, Args: args}
	case *Bundle:
		els := make([]any, len(v.Elements))
		for i, e := range v.Elements {
			els[i] = normalize(e)
		}
		return Bundle{Time: v.Time, Elements: els}
	}
	return p
}

// segRegexp translates one compiled segment into an anchored Go regexp: an
// independent oracle for the backtracking matcher.
func segRegexp(toks []token) string {
	var b strings.Builder
	b.WriteString("^")
	for _, t := range toks {
		switch t.kind {
		case tLit:
			b.WriteString(regexp.QuoteMeta(t.lit))
		case tAny:
			b.WriteString("(?s:.)")
		case tStar:
			b.WriteString("(?s:.*)")
		case tClass:
			if len(t.set) == 0 {
				if t.neg {
					b.WriteString("(?s:.)")
				} else {
					b.WriteString("[^\\x00-\\x{10FFFF}]")
				}
				continue
			}
			b.WriteString("[")
			if t.neg {
				b.WriteString("^")
			}
			for _, r := range t.set {
				fmt.Fprintf(&b, "\\x{%x}-\\x{%x}", r[0], r[1])
			}
			b.WriteString("]")
		case tAlt:
			b.WriteString("(?:")
			for i, a := range t.alts {
				if i > 0 {
					b.WriteString("|")
				}
				b.WriteString(regexp.QuoteMeta(a))
			}
			b.WriteString(")")
		}
	}
	b.WriteString("$")
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzPatternOracle compares the matcher with Go's regexp on short ASCII inputs.
func FuzzPatternOracle(f *testing.F) {
	f.Add("/a/{b,bc}*[!x-z]?", "/a/bcdef")
	f.Add("/[a-c]*/x", "/cab/x")
	f.Add("/*a*b*", "/xaybz")
	f.Fuzz(func(t *testing.T, pat, addr string) {
		if len(pat) > 40 || len(addr) > 40 || !isASCII(pat) || !isASCII(addr) {
			return
		}
		p, err := Compile(pat)
		if err != nil || p.IsLiteral() {
			return
		}
		got := p.Match(addr)
		want := strings.HasPrefix(addr, "/")
		segs := strings.Split(strings.TrimPrefix(addr, "/"), "/")
		if want && len(segs) != len(p.segs) {
			want = false
		}
		for i := 0; want && i < len(segs); i++ {
			want = regexp.MustCompile(segRegexp(p.segs[i])).MatchString(segs[i])
		}
		if got != want {
			t.Fatalf("Match(%q, %q) = %v, regexp oracle says %v", pat, addr, got, want)
		}
	})
}

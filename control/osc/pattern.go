package osc

import (
	"fmt"
	"strings"
)

// MaxAddress bounds the length of an address or pattern the matcher accepts.
const MaxAddress = 1024

// matchBudget bounds the work for one path segment so patterns like "*a*a*a*b"
// cannot burn CPU; a segment that exceeds it does not match.
const matchBudget = 20000

type tokKind uint8

const (
	tLit tokKind = iota
	tAny
	tStar
	tClass
	tAlt
)

type token struct {
	kind tokKind
	lit  string
	neg  bool
	set  [][2]byte // class ranges, inclusive
	alts []string
}

// Pattern is a compiled OSC 1.0 address pattern: ? * [abc] [a-z] [!x] {foo,bar},
// matched anchored against a whole address, segment by segment ('/' never matches a wildcard).
type Pattern struct {
	segs [][]token
	lit  bool // no wildcard: plain string compare
	src  string
}

// String returns the source pattern.
func (p *Pattern) String() string { return p.src }

// IsLiteral reports whether the pattern has no wildcard characters.
func (p *Pattern) IsLiteral() bool { return p.lit }

// HasWildcards reports whether s contains OSC pattern characters.
func HasWildcards(s string) bool { return strings.ContainsAny(s, "?*[]{}") }

// Compile parses an OSC address pattern.
func Compile(pat string) (*Pattern, error) {
	if len(pat) > MaxAddress {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadPattern, MaxAddress)
	}
	if !strings.HasPrefix(pat, "/") {
		return nil, fmt.Errorf("%w: %q does not start with /", ErrBadPattern, pat)
	}
	p := &Pattern{src: pat, lit: !HasWildcards(pat)}
	if p.lit {
		return p, nil
	}
	for _, seg := range strings.Split(pat[1:], "/") {
		toks, err := compileSeg(seg)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrBadPattern, pat, err)
		}
		p.segs = append(p.segs, toks)
	}
	return p, nil
}

func compileSeg(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '?':
			toks = append(toks, token{kind: tAny})
			i++
		case '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != tStar {
				toks = append(toks, token{kind: tStar})
			}
			i++
		case '[':
			end := strings.IndexByte(s[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			body := s[i+1 : i+1+end]
			t := token{kind: tClass}
			if strings.HasPrefix(body, "!") {
				t.neg, body = true, body[1:]
			}
			for j := 0; j < len(body); j++ {
				lo, hi := body[j], body[j]
				if j+2 < len(body) && body[j+1] == '-' {
					hi = body[j+2]
					j += 2
				}
				if lo > hi {
					lo, hi = hi, lo
				}
				t.set = append(t.set, [2]byte{lo, hi})
			}
			toks = append(toks, t)
			i += end + 2
		case '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed {")
			}
			toks = append(toks, token{kind: tAlt, alts: strings.Split(s[i+1:i+1+end], ",")})
			i += end + 2
		case ']', '}':
			return nil, fmt.Errorf("unmatched %c", c)
		default:
			j := i
			for j < len(s) && !strings.ContainsRune("?*[]{}", rune(s[j])) {
				j++
			}
			toks = append(toks, token{kind: tLit, lit: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

// Match reports whether the whole address matches the pattern.
func (p *Pattern) Match(addr string) bool {
	if p.lit {
		return p.src == addr
	}
	if len(addr) > MaxAddress || !strings.HasPrefix(addr, "/") {
		return false
	}
	rest := addr[1:]
	for i, toks := range p.segs {
		var seg string
		if i == len(p.segs)-1 {
			if strings.IndexByte(rest, '/') >= 0 {
				return false
			}
			seg = rest
		} else {
			j := strings.IndexByte(rest, '/')
			if j < 0 {
				return false
			}
			seg, rest = rest[:j], rest[j+1:]
		}
		budget := matchBudget
		if !matchSeg(toks, seg, &budget) {
			return false
		}
	}
	return true
}

func matchSeg(toks []token, s string, budget *int) bool {
	for len(toks) > 0 {
		*budget--
		if *budget < 0 {
			return false
		}
		t := toks[0]
		switch t.kind {
		case tLit:
			if !strings.HasPrefix(s, t.lit) {
				return false
			}
			s = s[len(t.lit):]
		case tAny:
			if s == "" {
				return false
			}
			s = s[1:]
		case tClass:
			if s == "" || t.inClass(s[0]) == t.neg {
				return false
			}
			s = s[1:]
		case tStar:
			if len(toks) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if matchSeg(toks[1:], s[i:], budget) {
					return true
				}
				if *budget < 0 {
					return false
				}
			}
			return false
		case tAlt:
			for _, a := range t.alts {
				if strings.HasPrefix(s, a) && matchSeg(toks[1:], s[len(a):], budget) {
					return true
				}
			}
			return false
		}
		toks = toks[1:]
	}
	return s == ""
}

func (t *token) inClass(c byte) bool {
	for _, r := range t.set {
		if c >= r[0] && c <= r[1] {
			return true
		}
	}
	return false
}

// Matches reports whether an incoming address pattern (compiled once per message) and a
// method address (itself possibly a pattern, as in mapping files) match: a literal side
// is matched against the other side's pattern; two patterns match only if identical.
func Matches(incoming, method *Pattern) bool {
	switch {
	case incoming.lit:
		return method.Match(incoming.src)
	case method.lit:
		return incoming.Match(method.src)
	}
	return incoming.src == method.src
}

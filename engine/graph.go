package engine

import (
	"fmt"
	"slices"
)

// checkGraph validates the operators' declarations: unique names, every input stream
// emitted by the loop or by exactly one operator, no stream emitted twice, no cycle,
// known parameters. Side streams may be absent (their operator works without them).
func checkGraph(specs []OperatorSpec) error {
	producer := map[string]string{StreamInput: "the source"}
	names := map[string]bool{}
	for _, s := range specs {
		if s.Name == "" {
			return fmt.Errorf("%w: an operator without a name", ErrBadGraph)
		}
		if names[s.Name] {
			return fmt.Errorf("%w: two operators named %q", ErrBadGraph, s.Name)
		}
		names[s.Name] = true
		for _, e := range s.Emits {
			if by, ok := producer[e]; ok {
				return fmt.Errorf("%w: stream %q is emitted by %s and %s", ErrBadGraph, e, by, s.Name)
			}
			producer[e] = s.Name
		}
		for _, p := range s.Params {
			if _, ok := LookupParam(p); !ok {
				return fmt.Errorf("%w: operator %s reads %w %q", ErrBadGraph, s.Name, ErrUnknownParam, p)
			}
		}
	}
	for _, s := range specs {
		if _, ok := producer[s.Input]; !ok {
			return fmt.Errorf("%w: operator %s reads stream %q, which nothing emits (streams: %s)",
				ErrBadGraph, s.Name, s.Input, streamList(specs))
		}
	}
	// Each operator has one input with one producer: follow the chain up to the source.
	byName := map[string]OperatorSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	for _, s := range specs {
		seen := map[string]bool{}
		for cur := s; ; {
			if seen[cur.Name] {
				return fmt.Errorf("%w: operator %s is in a cycle", ErrBadGraph, s.Name)
			}
			seen[cur.Name] = true
			up := producer[cur.Input]
			if cur.Input == StreamInput {
				break
			}
			cur = byName[up]
		}
	}
	return nil
}

// streamList names the input stream and every declared stream, in operator order.
func streamList(specs []OperatorSpec) string {
	out := StreamInput
	for _, s := range specs {
		for _, e := range s.Emits {
			out += ", " + e
		}
	}
	return out
}

// Streams are the picture streams a loop with these operators can emit: the input, then
// each operator's streams in operator order.
func Streams(specs []OperatorSpec) []string {
	out := []string{StreamInput}
	for _, s := range specs {
		for _, e := range s.Emits {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}

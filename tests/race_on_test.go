//go:build race

package tests

// raceEnabled: the race detector slows the pure-Go backend several-fold.
const raceEnabled = true

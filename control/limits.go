package control

import (
	"time"
)

// tokenBucket allows burst events at once and one more every per (a per-source learn rate).
type tokenBucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token at now if there is one.
func (b *tokenBucket) allow(now time.Time, burst int, per time.Duration) bool {
	if b.last.IsZero() {
		b.tokens = float64(burst)
	} else {
		b.tokens = min(float64(burst), b.tokens+float64(now.Sub(b.last))/float64(per))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// buckets is a bounded set of token buckets by key; when full, the stalest is dropped.
type buckets struct {
	m map[string]*tokenBucket
}

const maxBuckets = 256

func (bs *buckets) allow(key string, now time.Time, burst int, per time.Duration) bool {
	if bs.m == nil {
		bs.m = map[string]*tokenBucket{}
	}
	b := bs.m[key]
	if b == nil {
		if len(bs.m) >= maxBuckets {
			var oldest string
			for k, v := range bs.m {
				if oldest == "" || v.last.Before(bs.m[oldest].last) {
					oldest = k
				}
			}
			delete(bs.m, oldest)
		}
		b = &tokenBucket{}
		bs.m[key] = b
	}
	return b.allow(now, burst, per)
}

// every lets one event through per interval and counts the ones it held back, for
// warnings and /vivid/error messages that a flood must not multiply.
type every struct {
	interval   time.Duration
	last       time.Time
	suppressed int
}

// ok reports whether to say it now; suppressed is how many were held back since the last time.
func (e *every) ok(now time.Time) (ok bool, suppressed int) {
	if !e.last.IsZero() && now.Sub(e.last) < e.interval {
		e.suppressed++
		return false, 0
	}
	e.last = now
	n := e.suppressed
	e.suppressed = 0
	return true, n
}

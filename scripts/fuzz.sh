#!/usr/bin/env bash
# Runs every Go fuzz target for FUZZTIME each (make fuzz / make test). A failure is a
# failure: there is no retry.
#
# Go 1.26's fuzz coordinator can end a duration-bounded run (-fuzztime 5s) with a
# spurious "context deadline exceeded" when the deadline fires while a worker is inside
# an input: stop() compares the error with the child context's, which is not yet
# cancelled (go.dev/issue/75804, fixed in Go 1.27: internal/fuzz/fuzz.go now also
# compares with ctx.Err()). So fuzzing runs under a pinned toolchain that has the fix,
# fetched like any module through the Go module proxy (FUZZ_GOTOOLCHAIN=local uses the
# installed Go, which then needs FUZZTIME as a count such as 20000x: no deadline, no race).
set -uo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-60s}
export GOTOOLCHAIN=${FUZZ_GOTOOLCHAIN:-go1.27.1}
if ! ver=$($GO version 2>&1); then
  echo "fuzz: cannot get toolchain $GOTOOLCHAIN: $ver" >&2
  exit 1
fi
echo "fuzz with $ver"
status=0
for pkg in $($GO list ./...); do
  for f in $($GO test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz $pkg $f"
    if ! out=$($GO test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1); then
      echo "$out"
      status=1
      continue
    fi
    echo "$out" | tail -n 2
  done
done
exit $status

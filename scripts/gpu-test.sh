#!/usr/bin/env bash
# gpu-test.sh — run the CUDA test binary on a machine with an NVIDIA GPU and driver.
# The binary is built on any Linux machine with CUDA headers (no GPU needed):
#   go test -c -tags cuda -o bin/gpu.test ./tensorrt/gpu/
# It needs only libcuda.so.1 (the driver) at run time; no Go on the GPU machine.
#
# Usage: scripts/gpu-test.sh [path/to/gpu.test]    (default bin/gpu.test)
# Writes nvidia-smi.txt, test.log, bench.txt, memcheck.txt, initcheck.txt into
# $OUT (default out/gpu). Exit status: non-zero if the tests or a sanitizer failed.
set -uo pipefail
BIN=$(realpath "${1:-bin/gpu.test}")
OUT=${OUT:-out/gpu}
BENCHTIME=${BENCHTIME:-1s}
mkdir -p "$OUT"
status=0

{ nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1; nvidia-smi 2>&1; } \
  >"$OUT/nvidia-smi.txt" || true

echo "== tests"
"$BIN" -test.v -test.count=1 2>&1 | tee "$OUT/test.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "TESTS FAILED"; status=1; }

echo "== benchmarks (benchtime $BENCHTIME)"
"$BIN" -test.run '^$' -test.bench . -test.benchtime "$BENCHTIME" -test.benchmem 2>&1 | tee "$OUT/bench.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "BENCHMARKS FAILED"; status=1; }

SAN=$(command -v compute-sanitizer || true)
[ -n "$SAN" ] || SAN=/usr/local/cuda/bin/compute-sanitizer
if [ -x "$SAN" ]; then
  for tool in memcheck initcheck; do
    echo "== compute-sanitizer --tool $tool"
    extra=()
    [ "$tool" = memcheck ] && extra=(--leak-check full)
    "$SAN" --tool "$tool" "${extra[@]}" --error-exitcode 3 "$BIN" -test.count=1 >"$OUT/$tool.txt" 2>&1
    rc=$?
    tail -n 5 "$OUT/$tool.txt"
    [ "$rc" -eq 0 ] || { echo "$tool FAILED (exit $rc)"; status=1; }
  done
else
  echo "compute-sanitizer not found: skipped" | tee "$OUT/memcheck.txt"
fi
echo "== done: status $status, output in $OUT"
exit "$status"

#!/usr/bin/env bash
# The TensorFlow.js WASM peer of the operator benchmarks, for a machine without Node.js, network
# or zstd. Carried input: C7DIR (.gpu/c7, ignored by git; scripts/gpu/prep_tfjs.sh fills it:
# node.xz, a stripped official node binary; tfjs.tar.xz, tests/tfjs with the node_modules files
# it loads, the TFJS originals of selfie, meet, esrgan-slim-x2, esrgan-medium-x2 and one input
# each at the sizes of BENCHMARKS.md's CPU table). Unpacks both into WORKDIR and times each model
# as BenchmarkOperatorsVsTFJS does: tests/tfjs/ref.mjs --time N (5 warm-up runs, then N), p50 =
# the middle of the sorted run times. Single-threaded (no WASM threads in Node), SIMD.
# usage: bash scripts/gpu/tfjs_peer.sh C7DIR WORKDIR   (TFJS_RUNS=30, TFJS_TIMEOUT_S=300)
# stdout: one JSON line per model,
#   {"peer":"tfjs-wasm 4.22.0","node":"v20.20.2","model":"selfie","input":[1,256,256,3],"p50_ms":…,"min_ms":…,"n":30,"simd":true}
# or the same with "error" instead of the times; logs go to stderr.
set -uo pipefail
fail() { echo "{\"peer\":\"tfjs-wasm\",\"model\":\"all\",\"error\":\"$(echo "$*" | tr -d '"\\' | tr '\n' ' ')\"}"; exit 1; }
C7=$(cd "$1" && pwd) || fail "no bundle folder $1"
mkdir -p "$2" && W=$(cd "$2" && pwd) || fail "cannot make $2"
N=${TFJS_RUNS:-30}
NODE=$W/node T=$W/tfjs
xz -d -c "$C7/node.xz" > "$NODE" && chmod +x "$NODE" || fail "cannot unpack $C7/node.xz"
rm -rf "$T" && xz -d -c "$C7/tfjs.tar.xz" | tar xf - -C "$W" || fail "cannot unpack $C7/tfjs.tar.xz"
NV=$("$NODE" --version 2>&1) || fail "bundled node does not run: $NV"
TV=$("$NODE" -p "require('$T/node_modules/@tensorflow/tfjs-core/package.json').version") || fail "no tfjs-core"
for spec in selfie meet "esrgan-slim-x2 --layers" "esrgan-medium-x2 --layers"; do
  set -- $spec
  m=$1 out=$W/out/$1
  shift
  rm -rf "$out"
  timeout "${TFJS_TIMEOUT_S:-300}" "$NODE" "$T/ref.mjs" "$T/models/$m/model.json" "$T/cases/$m/cases.json" "$out" \
    --time "$N" "$@" 2> "$W/$m.err"
  RC=$? M=$m OUT=$out ERR=$W/$m.err PEER="tfjs-wasm $TV" NV=$NV CASES=$T/cases/$m/cases.json "$NODE" -e '
    const fs = require("fs"), e = process.env;
    const line = { peer: e.PEER, node: e.NV, model: e.M, input: JSON.parse(fs.readFileSync(e.CASES, "utf8"))[0].shape };
    try {
      if (e.RC !== "0") throw new Error(`exit ${e.RC}${e.RC === "124" ? " (timeout)" : ""}: ` + fs.readFileSync(e.ERR, "utf8").trim().split("\n").slice(-3).join(" | "));
      const t = JSON.parse(fs.readFileSync(e.OUT + "/timing.json", "utf8"));
      const ms = t.ms.slice().sort((a, b) => a - b), r = (v) => Math.round(v * 1000) / 1000;
      Object.assign(line, { p50_ms: r(ms[ms.length >> 1]), min_ms: r(ms[0]), n: ms.length, simd: t.simd });
    } catch (x) { line.error = String(x.message || x); }
    console.log(JSON.stringify(line));'
  cat "$W/$m.err" >&2
done

#!/usr/bin/env bash
# xla-check.sh [SDXL_DIR] — the XLA backend on a GPU machine (H200), from inside the
# handoff folder (xla-gpu.test, vivid-ml-engine, models/, tiny/, refs/, img.png, ort_ref.py).
#
#  1. MoveNet ×3 and the tiny SDXL set (fp32, fp16) through --backend xla (PJRT plugin
#     found as the engine finds it: $PJRT_PLUGIN_LIBRARY_PATH or a JAX install); ORT-CPU
#     reference outputs for them were computed on the build machine (refs/).
#  2. With SDXL_DIR (diffusers/Optimum layout): the 512² img2img pipeline (4 steps,
#     strength 1, full VAE and TAESD), then every part on its own (compile time, run time,
#     outputs); ORT-CPU references by ort_ref.py (python with onnxruntime + numpy).
#  3. The comparison, and the engine binary itself (bench pose-model, diffusion run).
# One JSON line per measurement on stdout and in $OUT/results.jsonl (default ./out);
# peak VRAM per step from nvidia-smi polling ({"measure":"vram",…}).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
SDXL=${1:-${SDXL_DIR:-}}
OUT=${OUT:-$HERE/out}
WORK=$OUT/work
RES=$OUT/results.jsonl
PY=${PYTHON:-/opt/torch/.venv/bin/python}
[ -x "$PY" ] || PY=python3
STEP_TIMEOUT=${STEP_TIMEOUT:-900}
mkdir -p "$OUT" "$WORK"
: >"$RES"
export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0
export XLA_FLAGS=${XLA_FLAGS:---xla_gpu_cuda_data_dir=/usr/local/cuda}

log() { echo "$@" >&2; }
jline() { echo "$1" | tee -a "$RES"; }

[ -f small.tar.xz ] && [ ! -d tiny ] && tar xJf small.tar.xz
for f in xla-gpu.test.xz vivid-ml-engine.xz models/*.xz; do
  [ -f "$f" ] && { [ ! -f "${f%.xz}" ] || [ "$f" -nt "${f%.xz}" ]; } && xz -dkf "$f"
done
chmod +x xla-gpu.test vivid-ml-engine 2>/dev/null
# SKIP_SMALL=1: leave out step 1 (MoveNet with TF32 and the tiny set, measured in the first run)
[ -n "${SKIP_SMALL:-}" ] || cp -rn refs/. "$WORK/" 2>/dev/null || true
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv >"$OUT/nvidia-smi.txt" 2>&1

# step NAME CMD…: run with a VRAM poller; JSON lines of the command go to results.
step() {
  local name=$1
  shift
  local poll="$OUT/vram-$name.txt"
  local base
  base=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 2>/dev/null | head -1)
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 100 >"$poll" 2>/dev/null &
  local pid=$!
  local t0=$SECONDS
  log "== $name"
  timeout "$STEP_TIMEOUT" "$@" 2>"$OUT/$name.stderr" | tee "$OUT/$name.stdout" | grep '^{' | tee -a "$RES"
  local rc=${PIPESTATUS[0]}
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local peak
  peak=$(sort -n "$poll" 2>/dev/null | tail -1)
  jline "{\"measure\":\"vram\",\"step\":\"$name\",\"baseline_mib\":${base:-null},\"peak_mib\":${peak:-null},\"exit\":$rc,\"seconds\":$((SECONDS - t0))}"
  [ "$rc" -eq 0 ] || tail -n 20 "$OUT/$name.stderr" >&2
}

run_test() { # run_test NAME ENV…: the Go check binary with the given environment
  local name=$1
  shift
  step "$name" env XLA_CHECK_WORK="$WORK" "$@" ./xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0
}

# 1. MoveNet and tiny SDXL
M="movenet-lightning=models/movenet-lightning.onnx,movenet-thunder=models/movenet-thunder.onnx,movenet-multipose=models/movenet-multipose.onnx"
for k in fp32 fp16; do
  for p in unet vae_decoder vae_encoder text_encoder text_encoder_2 taesd_encoder taesd_decoder; do
    M="$M,tiny-$k-$p=tiny/$k/$p/model.onnx"
  done
done
[ -n "${SKIP_SMALL:-}" ] || run_test small XLA_CHECK_MODELS="$M" XLA_CHECK_PIPELINE_SIZE=64 XLA_CHECK_PIPELINE="$HERE/tiny/fp32"

# 1b. MoveNet again with cuDNN/cuBLAS TF32 off: is the fp32 difference TF32's?
mkdir -p "$OUT/work-notf32"
for n in movenet-lightning movenet-thunder movenet-multipose; do cp -rn "refs/$n" "$OUT/work-notf32/" 2>/dev/null; done
step small-notf32 env NVIDIA_TF32_OVERRIDE=0 XLA_CHECK_WORK="$OUT/work-notf32" XLA_CHECK_MODELS="${M%%,tiny-*}" \
  ./xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0
step compare-notf32 env XLA_CHECK_WORK="$OUT/work-notf32" XLA_CHECK_COMPARE=1 ./xla-gpu.test -test.run '^TestGPUCompare$' -test.v

# 2. SDXL (real architecture)
if [ -n "$SDXL" ] && [ -d "$SDXL" ]; then
  S=""
  for p in text_encoder text_encoder_2 unet vae_encoder vae_decoder taesd_encoder taesd_decoder; do
    [ -f "$SDXL/$p/model.onnx" ] && S="$S,sdxl-$p=$SDXL/$p/model.onnx"
  done
  run_test sdxl XLA_CHECK_MODELS="$S" XLA_CHECK_PIPELINE="$SDXL"
  # parts the combined run did not finish (a crash or timeout): alone
  for spec in ${S//,/ }; do
    n=${spec%%=*}
    [ -f "$WORK/$n/xla0.bin" ] || run_test "$n" XLA_CHECK_MODELS="$spec"
  done
  step ort-ref "$PY" ort_ref.py "$WORK"
else
  jline '{"measure":"sdxl","skipped":"no SDXL_DIR given or not a folder"}'
fi

# 3. comparison and the engine binary
step compare env XLA_CHECK_WORK="$WORK" XLA_CHECK_COMPARE=1 ./xla-gpu.test -test.run '^TestGPUCompare$' -test.v
step engine-bench-pose ./vivid-ml-engine bench pose-model --backend xla --offline --cache-dir "$OUT/cache" \
  --onnx models/movenet-lightning.onnx --size 192 --frames 500 --warmup 20
if [ -n "$SDXL" ] && [ -d "$SDXL" ]; then
  for t in false true; do
    step "engine-diffusion-taesd-$t" ./vivid-ml-engine diffusion run --backend xla --offline --cache-dir "$OUT/cache" \
      --model "$SDXL" --input img.png --prompt "a photo of a cat" --out "$OUT/sdxl-taesd-$t.png" \
      --size 512 --steps 4 --strength 1 --taesd=$t
  done
fi
log "== done: $RES"

#!/usr/bin/env bash
# Issue 14's acceptance on the GPU machine, in one call: diffusers builds SDXL and SD 2.1 at
# the real configs (random weights) and saves each as a diffusers folder (save_pretrained,
# fp32) and as one single file with the original SGM/ldm names (F16), plus a peft LoRA on the
# SDXL UNet; the engine converts each (`models convert`, timed); ONNX Runtime (CPU) runs every
# converted model and compares it with the torch module's output on the same inputs.
#
#   bash scripts/gpu/convert_check.sh ENGINE_BINARY WORKDIR OUTDIR
#
# OUTDIR gets two files: convert_check.jsonl (one JSON line per check) and convert_check.log.
# WORKDIR (≥ 50 GB free) holds the checkpoints; converted folders are deleted after their
# check. Steps run in order of value; none starts after DEADLINE_S (default 330) seconds, and
# each runs under `timeout`; a failed step is recorded and the next one runs. Exit status 0 when
# every check that ran passed (skipped ones aside), else 1.
# Env: DEADLINE_S, PY (python), DIFFUSERS_SRC (default /tmp/diffusers/src), REUSE=1 (keep the
# checkpoints a previous run made in WORKDIR), CLEAN=1 (delete them at the end), ORT_OPT
# (basic|extended|all|disable), THREADS (ONNX Runtime intra-op threads, default 16),
# SINGLE_BASE=1 (convert single files with --base WORKDIR/<family>: for tiny stand-ins only; real
# single files convert with the built-in real configs, as a user's would), TINY=1 (a smoke test:
# the same steps on tiny configs, ~1 minute; implies SINGLE_BASE=1).
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 ENGINE_BINARY WORKDIR OUTDIR" >&2; exit 2; fi
ENGINE=$(readlink -f "$1"); WORK=$2; OUTD=$3
HERE=$(cd "$(dirname "$0")" && pwd)
case "$WORK" in ""|/|/tmp|/root|"$HOME") echo "refusing WORKDIR '$WORK': give a folder of its own" >&2; exit 2;; esac
mkdir -p "$WORK" "$OUTD" && WORK=$(readlink -f "$WORK")
RES=$OUTD/convert_check.jsonl LOG=$OUTD/convert_check.log
: > "$RES"; : > "$LOG"
START=$(date +%s) DEADLINE=${DEADLINE_S:-330}
if [ -z "${PY:-}" ]; then PY=/opt/torch/.venv/bin/python3; [ -x "$PY" ] || PY=python3; fi
export PYTHONPATH=${DIFFUSERS_SRC:-/tmp/diffusers/src}:$HERE${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
CC="$PY $HERE/convert_check.py"
TINYF=; if [ "${TINY:-0}" = 1 ]; then TINYF=--tiny; SINGLE_BASE=1; fi
CMP="compare --threads ${THREADS:-16} --ort-opt ${ORT_OPT:-basic}"

now() { date +%s.%N; }
elapsed() { echo $(( $(date +%s) - START )); }
left() { echo $(( DEADLINE - $(elapsed) )); }
say() { echo "[$(printf '%4d' "$(elapsed)")s] $*" | tee -a "$LOG" >&2; }
skip() { # skip CHECK FAMILY SOURCE WHY
  printf '{"check":"%s","family":"%s","source":"%s","ok":null,"skipped":"%s"}\n' "$1" "$2" "$3" "$4" >> "$RES"
  say "skipped $1 $2 $3: $4"
}
# budget MAX_S: prints the timeout for a step (≤ MAX_S and ≤ what is left), or nothing when
# under MIN_S (default 20) is left.
budget() { local l; l=$(left); [ "$l" -ge "${2:-20}" ] && echo $(( $1 < l ? $1 : l )); }

say "convert_check: engine $ENGINE, work $WORK, python $PY, deadline ${DEADLINE}s${TINYF:+ (tiny configs: smoke test)}"
{ echo "host: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM"
  df -h "$WORK" | tail -1
  "$ENGINE" version 2>&1 | head -2
  nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader 2>&1 | head -2
  "$PY" -c "import onnxruntime, numpy, safetensors; print('onnxruntime', onnxruntime.__version__, 'numpy', numpy.__version__, 'safetensors', safetensors.__version__)" 2>&1 | tail -1
} >> "$LOG" 2>&1
if [ ! -x "$ENGINE" ]; then skip engine all - "no engine binary at $ENGINE"; exit 1; fi

# ---- 1. checkpoints and references (SD 2.1 in the background while SDXL is made)
make_family() { # make_family FAMILY MAX_S: stdout (JSON lines) → $WORK/make-FAMILY.jsonl
  local fam=$1 t
  if [ "${REUSE:-0}" = 1 ] && [ -f "$WORK/make-$fam.json" ]; then echo '{"check":"make","family":"'$fam'","step":"reused","ok":true}' > "$WORK/make-$fam.jsonl"; return 0; fi
  rm -rf "$WORK/$fam" "$WORK/$fam-single.safetensors" "$WORK/$fam-lora" "$WORK"/refs/"$fam"-* "$WORK/make-$fam.json"
  t=$(budget "$2" 60) || { echo '{"check":"make","family":"'$fam'","ok":null,"skipped":"deadline"}' > "$WORK/make-$fam.jsonl"; return 1; }
  timeout -k 10 "$t" $CC make "$WORK" --family "$fam" $TINYF > "$WORK/make-$fam.jsonl" 2> "$WORK/make-$fam.log"
  local rc=$?
  if [ $rc -ne 0 ]; then
    local why; why=$(grep -v "^\s*$" "$WORK/make-$fam.log" | tail -1 | LC_ALL=C tr -cd '\11\40-\176' | tr '"\\\t' "'/ " | cut -c1-300)
    [ $rc -eq 124 ] && why="timeout after ${t}s; $why"
    echo '{"check":"make","family":"'$fam'","step":"exit","ok":false,"rc":'$rc',"error":"'"$why"'"}' >> "$WORK/make-$fam.jsonl"
  fi
  return $rc
}
rm -rf "$WORK"/out-*
make_family sd21 200 & SD21_PID=$!
say "making sdxl (sd21 in the background, pid $SD21_PID)"
make_family sdxl 220
cat "$WORK/make-sdxl.jsonl" >> "$RES"; grep -v "Warning\|warn(" "$WORK/make-sdxl.log" 2>/dev/null | tail -120 >> "$LOG"
say "sdxl made: $(grep -c '"ok": *true' "$WORK/make-sdxl.jsonl") steps ok; $(du -sh "$WORK" | cut -f1) in $WORK"
SD21_WAITED=0
wait_sd21() {
  [ $SD21_WAITED = 1 ] && return
  wait $SD21_PID; SD21_WAITED=1
  cat "$WORK/make-sd21.jsonl" >> "$RES"; grep -v "Warning\|warn(" "$WORK/make-sd21.log" 2>/dev/null | tail -80 >> "$LOG"
  say "sd21 made: $(grep -c '"ok": *true' "$WORK/make-sd21.jsonl") steps ok"
}

# ---- 2. conversions and comparisons
CONVERT_S=
# convert FAMILY SOURCE SRC OUT MAX_S [engine flags…]: times `models convert`, one JSON line
convert() {
  local fam=$1 source=$2 src=$3 out=$4 max=$5 t t0 rc; shift 5
  CONVERT_S=
  if [ ! -e "$src" ]; then skip convert "$fam" "$source" "no $src (its make step failed)"; return 1; fi
  t=$(budget "$max") || { skip convert "$fam" "$source" deadline; return 1; }
  rm -rf "$out"; t0=$(now)
  timeout -k 10 "$t" "$ENGINE" models convert --log-level warn --force "$src" "$out" "$@" > "$WORK/convert.log" 2>&1
  rc=$?
  CONVERT_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}')
  local bytes; bytes=$(du -sb "$out" 2>/dev/null | cut -f1)
  local msg; msg=$(tail -c 600 "$WORK/convert.log" | LC_ALL=C tr -cd '\11\12\40-\176' | tr '\n\t"\\' "  '/")
  printf '{"check":"convert","family":"%s","source":"%s","ok":%s,"rc":%d,"convert_s":%s,"bytes_written":%s,"flags":"%s","engine_says":"%s"}\n' \
    "$fam" "$source" "$([ $rc -eq 0 ] && echo true || echo false)" $rc "$CONVERT_S" "${bytes:-0}" "$*" "$msg" >> "$RES"
  say "convert $fam $source ($*): rc $rc in ${CONVERT_S}s, $(du -sh "$out" 2>/dev/null | cut -f1)"
  cat "$WORK/convert.log" >> "$LOG"
  return $rc
}
# compare FAMILY SOURCE OUT MODELS MAX_S [compare flags…]
compare() {
  local fam=$1 source=$2 out=$3 models=$4 max=$5 t; shift 5
  t=$(budget "$max") || { skip ort_vs_torch "$fam" "$source" "deadline ($models)"; return 1; }
  timeout -k 10 "$t" $CC $CMP "$WORK" "$out" --family "$fam" --source "$source" --models "$models" \
    ${CONVERT_S:+--convert-s $CONVERT_S} "$@" >> "$RES" 2>> "$LOG"
  local rc=$?; [ $rc -eq 124 ] && skip ort_vs_torch "$fam" "$source" "timeout after ${t}s ($models)"
  return 0
}
done_with() { # done_with OUT NAME: keep the sidecar, delete the models
  [ -f "$1/conversion.json" ] && cp "$1/conversion.json" "$WORK/$2.conversion.json"; rm -rf "$1"
}
SD=$WORK/out-sdxl-diffusers SS=$WORK/out-sdxl-single
sbase() { [ "${SINGLE_BASE:-0}" = 1 ] && echo "--base $WORK/$1"; }
SDXL_ALL=text_encoder,text_encoder_2,vae_encoder,vae_decoder,taesd_encoder,taesd_decoder,unet
CHEAP_XL=text_encoder,text_encoder_2,vae_encoder,vae_decoder CHEAP_21=text_encoder,vae_encoder,vae_decoder

# In order of value (what the deadline cuts comes last): both folders, the LoRA, both single files, then the rest.
# SDXL, diffusers folder: every model
convert sdxl diffusers "$WORK/sdxl" "$SD" 150 && compare sdxl diffusers "$SD" $SDXL_ALL 200
done_with "$SD" sdxl-diffusers
# SD 2.1, diffusers folder (made in the background meanwhile)
wait_sd21
D21=$WORK/out-sd21-diffusers S21=$WORK/out-sd21-single
convert sd21 diffusers "$WORK/sd21" "$D21" 90 && compare sd21 diffusers "$D21" $CHEAP_21,unet 120
done_with "$D21" sd21-diffusers
# SDXL + peft LoRA (save_lora_adapter) fused at 0.7, vs diffusers' fuse_lora(lora_scale=0.7)
L=$WORK/out-sdxl-lora
convert sdxl lora "$WORK/sdxl" "$L" 120 --parts unet --lora "$WORK/sdxl-lora/peft.safetensors:0.7" \
  && compare sdxl lora "$L" unet 120 --ref unet_lora
done_with "$L" sdxl-lora
# single files (F16, SGM/ldm names, built-in configs) → fp32 models: byte-identical to the folders'? then the cheap ones by ORT
if convert sdxl single "$WORK/sdxl-single.safetensors" "$SS" 150 $(sbase sdxl); then
  $CC identical "$WORK/sdxl-diffusers.conversion.json" "$SS/conversion.json" --family sdxl --source single >> "$RES" 2>> "$LOG"
  compare sdxl single "$SS" $CHEAP_XL 60
fi
done_with "$SS" sdxl-single
if convert sd21 single "$WORK/sd21-single.safetensors" "$S21" 90 $(sbase sd21); then
  $CC identical "$WORK/sd21-diffusers.conversion.json" "$S21/conversion.json" --family sd21 --source single >> "$RES" 2>> "$LOG"
  compare sd21 single "$S21" $CHEAP_21 45
fi
done_with "$S21" sd21-single

# --fp16 UNets vs the fp32 torch output (tolerance 1e-2; torch's own fp16 run is reported beside)
F=$WORK/out-sdxl-fp16
convert sdxl fp16 "$WORK/sdxl" "$F" 90 --parts unet --fp16 && compare sdxl fp16 "$F" unet 120 --fp16 --tol 1e-2
done_with "$F" sdxl-fp16
# the same LoRA under kohya names with SGM blocks (lora_unet_input_blocks_4_1_…, middle_block_1_…)
K=$WORK/out-sdxl-kohya
convert sdxl kohya-sgm "$WORK/sdxl" "$K" 120 --parts unet --lora "$WORK/sdxl-lora/kohya-sgm.safetensors:0.7" \
  && compare sdxl kohya-sgm "$K" unet 120 --ref unet_lora
done_with "$K" sdxl-kohya
F21=$WORK/out-sd21-fp16
convert sd21 fp16 "$WORK/sd21" "$F21" 60 --parts unet --fp16 && compare sd21 fp16 "$F21" unet 60 --fp16 --tol 1e-2
done_with "$F21" sd21-fp16
# the single files' UNets by ONNX Runtime too (already shown byte-identical above), when time is left
if convert sd21 single-unet "$WORK/sd21-single.safetensors" "$S21" 60 --parts unet $(sbase sd21); then compare sd21 single "$S21" unet 60; fi
done_with "$S21" sd21-single-unet
if convert sdxl single-unet "$WORK/sdxl-single.safetensors" "$SS" 90 --parts unet $(sbase sdxl); then compare sdxl single "$SS" unet 120; fi
done_with "$SS" sdxl-single-unet

# ---- 3. summary
wait_sd21
rm -rf "$WORK"/out-*
[ "${CLEAN:-0}" = 1 ] && rm -rf "$WORK/sdxl" "$WORK/sd21" "$WORK"/*-single.safetensors "$WORK"/*-lora "$WORK/refs"
say "done in $(elapsed)s; $(du -sh "$WORK" | cut -f1) left in $WORK; $(df -h "$WORK" | tail -1 | awk '{print $4}') free"
$CC summary "$RES" | tee -a "$LOG"; RC=${PIPESTATUS[0]}
# keep the log small (the device returns files of limited size)
if [ "$(stat -c %s "$LOG")" -gt 900000 ]; then
  { head -c 300000 "$LOG"; echo; echo "[… log cut …]"; tail -c 500000 "$LOG"; } > "$LOG.cut" && mv "$LOG.cut" "$LOG"
fi
exit $RC

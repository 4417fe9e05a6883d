#!/usr/bin/env bash
# The H200 check (issues 11, 12, 14), in calls that run one after another while the
# machine stays warm (state lives in /tmp/v; a call must follow the last within 30 s).
# Carried inputs: .gpu/c1, .gpu/c2 (ignored by git; scripts/gpu/prep.sh fills them).
#   call1: CUDA provider (sm_90 code only, see prune_fatbin.py), engine, diffusers' source;
#          export real-architecture SDXL: dynamic fp16 folder, static fp16 folder, and in the
#          background (cores 8-15) an fp32 UNet → ONNX Runtime's transformer optimizer → fp16
#   call2: ONNX Runtime core, test binaries, MoveNet/operator models; a CUDA smoke test;
#          the torch peer (eager and torch.compile, cores 0-7)
#   call3: engine benchmarks (pose, operators, SDXL img2img variants), then the CUDA-vs-CPU
#          conformance binary in the background (cores 8-15), then `diffusion run`
#   call4: the XLA check (scripts/gpu/xla-check.sh with the SDXL folder), conformance results
#   call5: the conversion check of issue 14 (scripts/gpu/convert_check.sh), if carried
#   l3a-l3d, l4, l5, l6: the third lease (below).
# Results go to $OUT as JSON lines and logs (≤ 8 files).
set -uo pipefail
call=$1
V=/tmp/v
mkdir -p $V/ort $V/bin $V/pose
here=$(cd "$(dirname "$0")/../.." && pwd)
G=$here/.gpu
S=$here/scripts/gpu
export PYTHONUNBUFFERED=1 PYTHONPATH=/tmp/diffusers/src:$S
NV=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
LDP=$(ls -d $NV/*/lib $NV/cu13/lib 2>/dev/null | tr '\n' ':')
ORT=$V/ort/libonnxruntime.so.1
unz() { $V/bin/zstd -d -q -f "$1" -o "$2"; }
E="env LD_LIBRARY_PATH=$LDP $V/bin/vivid-ml-engine"
P0=${P0-taskset -c 0-7}
P1=${P1-taskset -c 8-15}

# vstep NAME CMD…: run CMD with nvidia-smi polling the GPU's used memory every 100 ms, then
# print {"vram":NAME,"baseline_mib":…,"peak_mib":…,"s":…}: one metric for torch, ORT and XLA alike.
vstep() {
  local name=$1 base poll=$V/vram-$1.txt t0=$SECONDS
  shift
  base=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 | head -1)
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 100 > $poll 2>/dev/null &
  local pid=$!
  "$@"
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  echo "{\"vram\":\"$name\",\"baseline_mib\":${base:-null},\"peak_mib\":$(sort -n $poll | tail -1),\"s\":$((SECONDS - t0))}"
}

# unpack_c1: zstd, the CUDA provider, the engine, diffusers' source and the tiny folder from .gpu/c1.
unpack_c1() {
  cp $G/c1/zstd $V/bin/zstd && chmod +x $V/bin/zstd
  unz $G/c1/cuda90.zst $V/ort/libonnxruntime_providers_cuda.so
  unz $G/c1/vivid-ml-engine.zst $V/bin/vivid-ml-engine && chmod +x $V/bin/vivid-ml-engine
  mkdir -p /tmp/diffusers && tar xzf $G/c1/diffusers-src.tar.gz -C /tmp/diffusers
  rm -rf $V/tiny && cp -r $G/c1/tiny $V/tiny
}

case $call in
call1)
  unpack_c1
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv | tee $OUT/gpu.txt
  nproc; free -g | head -2; df -h /tmp | tail -1
  python3 -c "import diffusers, torch, onnxruntime; print('diffusers', diffusers.__version__, 'torch', torch.__version__, 'ort', onnxruntime.__version__)"
  # background: fp32 UNet → ORT transformer optimizer (fusions) → fp16, as Optimum's O4 does
  setsid bash -c "$P1 python3 $S/sdxl_export.py $V/sdxl-fp32u $V/tiny --static --unet-only --fp32 &&
    $P1 python3 $S/ort_optimize.py $V/sdxl-fp32u/unet/model.onnx $V/sdxl-opt/unet/model.onnx &&
    rm -rf $V/sdxl-fp32u && touch $V/opt.done" > $V/opt.log 2>&1 < /dev/null &
  T0=$(date +%s)
  $P0 python3 $S/sdxl_export.py $V/sdxl $V/tiny > $V/exp1.log 2>&1 &
  PID1=$!
  $P0 python3 $S/sdxl_export.py $V/sdxl-static $V/tiny --static --no-text > $V/exp2.log 2>&1
  wait $PID1
  for p in text_encoder text_encoder_2; do ln -sfn $V/sdxl/$p $V/sdxl-static/$p; done
  grep -h '^{' $V/exp1.log $V/exp2.log | tee $OUT/export.jsonl
  grep -h -i -E "error|Traceback" $V/exp1.log $V/exp2.log | head -5
  du -sh $V/sdxl $V/sdxl-static; echo "exports took $(( $(date +%s) - T0 )) s"; tail -2 $V/opt.log
  ;;
call2)
  unz $G/c2/core.zst $ORT
  cp $G/c2/libonnxruntime_providers_shared.so $G/c2/libonnxruntime_providers_tensorrt.so $V/ort/
  for b in gpucheck.test xla-gpu.test; do unz $G/c2/$b.zst $V/bin/$b && chmod +x $V/bin/$b; done
  (cd $V/ort && sha256sum * | tee $OUT/ort-sha256.txt)
  $E bench diffusion --log-level warn --ort-lib $ORT --providers cuda --model $V/tiny --size 64 --frames 2 2>&1 | tail -2 | cut -c1-400
  for m in lightning thunder multipose; do $E models import-tfjs $G/c2/tfjs/movenet-$m.json $V/pose/movenet-$m.onnx >/dev/null 2>&1; done
  ls -la $V/pose
  tail -2 $V/opt.log
  $P0 timeout ${PEER_S:-330} python3 $S/torch_peer.py 2>&1 | grep --line-buffered -E '^\{|Error' | tee $OUT/torch_peer.jsonl
  tail -2 $V/opt.log; ls $V
  ;;
call3)
  O="--log-level warn --ort-lib $ORT"
  B="--providers cuda --size 512 --steps 4 --strength 1 --frames 10"
  {
  for m in lightning thunder multipose; do
    $P0 $E bench pose-model $O --onnx $V/pose/movenet-$m.onnx --providers cuda --frames 300
  done
  for m in selfie meet; do $P0 $E bench operator $O --offline --cache-dir $G/c2/ops --model $m --providers cuda --frames 100; done
  for m in esrgan-slim-x2 esrgan-medium-x2; do $P0 $E bench operator $O --offline --cache-dir $G/c2/ops --model $m --width 512 --height 512 --providers cuda --frames 20; done
  $P0 $E bench diffusion $O $B --model $V/sdxl
  $P0 $E bench diffusion $O $B --model $V/sdxl-static --cuda-options enable_cuda_graph=1
  $P0 $E bench diffusion $O $B --model $V/sdxl-static --cuda-options enable_cuda_graph=1 --taesd
  if [ -f $V/opt.done ]; then
    for f in text_encoder text_encoder_2 vae_encoder vae_decoder taesd_encoder taesd_decoder tokenizer tokenizer_2 scheduler model_index.json; do
      ln -sfn $V/sdxl-static/$f $V/sdxl-opt/$f; done
    cp $V/sdxl-static/unet/config.json $V/sdxl-opt/unet/ 2>/dev/null
    $P0 $E bench diffusion $O $B --model $V/sdxl-opt --cuda-options enable_cuda_graph=1
    $P0 $E bench diffusion $O $B --model $V/sdxl-opt --cuda-options enable_cuda_graph=1 --taesd
  fi
  } 2>$V/engine-bench.log | grep --line-buffered '^{' | tee $OUT/engine-bench.jsonl
  grep -E "skipped|refused|device I/O|rror" $V/engine-bench.log | cut -c1-300 | sort | uniq -c | head -20
  # conformance (CUDA vs ORT CPU) in the background (cores 8-15), after the benchmarks: it runs on into call4
  setsid bash -c "VIVID_SDXL_DIR=$V/sdxl VIVID_POSE_DIR=$V/pose ONNXRUNTIME_LIB=$ORT LD_LIBRARY_PATH=$LDP \
    $P1 timeout 420 $V/bin/gpucheck.test -test.v -test.timeout 8m" > $V/gpucheck.log 2>&1 < /dev/null &
  D=$V/sdxl-static; [ -f $V/opt.done ] && D=$V/sdxl-opt
  $E diffusion run --ort-lib $ORT --model $D --providers tensorrt,cuda,cpu --cuda-options enable_cuda_graph=1 --size 512 --steps 4 \
    --strength 0.75 --input $G/c2/in.png --prompt "a neon city at night" --seed 42 --out $OUT/sdxl-cuda.png > $V/diffusion-run.jsonl 2> $V/diffusion-run.log
  cat $V/diffusion-run.jsonl | tee -a $OUT/engine-bench.jsonl; grep -E "skipped|rror" $V/diffusion-run.log | cut -c1-300 | head -5
  cp $V/engine-bench.log $V/diffusion-run.log $V/opt.log $OUT/ 2>/dev/null
  tail -3 $V/gpucheck.log
  ;;
call4)
  grep -E '^\{|^\s*(---|ok|FAIL|PASS)' $V/gpucheck.log > $OUT/gpucheck.txt; grep -E '^\s*(---|FAIL|PASS|ok)' $V/gpucheck.log | head -30
  X=$G/c2/xla
  for m in lightning thunder multipose; do ln -sfn $V/pose/movenet-$m.onnx $X/models/movenet-$m.onnx; done
  cp $V/bin/xla-gpu.test $V/bin/vivid-ml-engine $S/ort_ref.py $S/xla-check.sh $X/; cp $G/c2/in.png $X/img.png
  (cd $X && SKIP_SMALL=1 STEP_TIMEOUT=${XLA_STEP_S:-200} OUT=$V/xla timeout ${XLA_S:-480} bash ./xla-check.sh $V/sdxl) > $V/xla.log 2>&1
  cp $V/xla/results.jsonl $OUT/xla-results.jsonl; tail -40 $V/xla.log | cut -c1-300 > $OUT/xla-log.txt; cat $OUT/xla-results.jsonl | cut -c1-300
  ;;
call5)
  [ -f $S/convert_check.sh ] && timeout ${CONV_S:-420} bash $S/convert_check.sh $V/bin/vivid-ml-engine $V/conv $OUT
  ;;
# A second, shorter lease (after the first one's findings): static SDXL with text encoders;
# issue 14's conversion check in the background; MoveNet CUDA variants; per-frame timings.
l2a)
  unpack_c1
  nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv,noheader
  setsid bash -c "cd $here && TINY=1 $P1 bash $S/convert_check.sh $V/bin/vivid-ml-engine /tmp/cc-tiny $V/cc-tiny &&
    $P1 bash $S/convert_check.sh $V/bin/vivid-ml-engine /tmp/cc $V/cc; touch $V/cc.done" > $V/cc.log 2>&1 < /dev/null &
  $P0 python3 $S/sdxl_export.py $V/sdxl-static $V/tiny --static 2>&1 | grep -E '^\{|Error' | tee $OUT/export.jsonl
  du -sh $V/sdxl-static; tail -3 $V/cc.log
  ;;
l2b)
  unz $G/c2/core.zst $ORT
  cp $G/c2/libonnxruntime_providers_shared.so $G/c2/libonnxruntime_providers_tensorrt.so $V/ort/
  for b in gpucheck.test xla-gpu.test; do unz $G/c2/$b.zst $V/bin/$b && chmod +x $V/bin/$b; done
  for m in lightning thunder multipose; do $E models import-tfjs $G/c2/tfjs/movenet-$m.json $V/pose/movenet-$m.onnx >/dev/null 2>&1; done
  VIVID_POSE_DIR=$V/pose ONNXRUNTIME_LIB=$ORT LD_LIBRARY_PATH=$LDP timeout 100 $V/bin/gpucheck.test -test.run TestMoveNet -test.v 2>&1 \
    | grep -E '^\{|^\s*---' | cut -c1-300 | tee $OUT/gpucheck-movenet.txt
  O="--log-level warn --ort-lib $ORT"
  B="--size 512 --steps 4 --strength 1 --frames 12"
  { $P0 $E bench diffusion $O $B --providers cuda --model $V/sdxl-static --cuda-options enable_cuda_graph=1 --taesd
    $P0 $E bench diffusion $O $B --providers cuda --model $V/sdxl-static --taesd
    $P0 $E bench diffusion $O $B --providers "cuda;text_encoder=cpu;text_encoder_2=cpu" --model $V/sdxl-static --cuda-options enable_cuda_graph=1 --taesd
    $P0 $E bench diffusion $O $B --providers cuda --model $V/sdxl-static --cuda-options enable_cuda_graph=1
  } 2>$V/l2-bench.log | grep --line-buffered '^{' | tee $OUT/l2-bench.jsonl
  grep -v "graph capture" $V/l2-bench.log | cut -c1-300 | tail -4
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/cuda
  mkdir -p $V/w2 && (cd $V && XLA_CHECK_WORK=$V/w2 XLA_CHECK_MODELS="sdxl-unet=$V/sdxl-static/unet/model.onnx" XLA_CHECK_PIPELINE=$V/sdxl-static \
    timeout ${XLA_S:-200} $V/bin/xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0 2>&1 | grep -E '^\{|FAIL|PASS|rror' | cut -c1-900 | tee $OUT/xla-unet.jsonl)
  tail -3 $V/cc.log
  ;;
l2c)
  for f in $V/cc/convert_check.jsonl $V/cc/convert_check.log $V/cc-tiny/convert_check.jsonl; do [ -f $f ] && cp $f $OUT/$(basename $(dirname $f))-$(basename $f); done
  tail -40 $V/cc.log | cut -c1-300
  ;;

# A third lease (issues 11, 12, 16 leftovers), four calls: c1, c2, c2, c2.
#   l3a: static SDXL with text encoders (as l2a); which ORT python has which providers.
#   l3b: CUDA-vs-CPU diagnosis of MoveNet (every variant, graph optimisations off, every
#        intermediate output), the operators on CUDA vs CPU, the engine's own pose
#        cross-check (bench pose-model --providers cuda), then the torch peer.
#   l3c: XLA: UNet and pipeline, segmentation/ESRGAN, each vs ORT-CPU; diffusion run and
#        run (live) on --backend xla.
#   l3d: ORT CUDA: the reference frame bench, VRAM options, run (live) on CUDA.
l3a)
  unpack_c1
  nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv,noheader
  python3 -c "import onnxruntime as o; print('python onnxruntime', o.__version__, o.get_available_providers())" 2>&1 | tail -1
  command -v node nodejs || echo "no node"
  $P0 python3 $S/sdxl_export.py $V/sdxl-static $V/tiny --static 2>&1 | grep -E '^\{|Error' | tee $OUT/export.jsonl
  du -sh $V/sdxl-static
  ;;
l3b)
  unz $G/c2/core.zst $ORT
  cp $G/c2/libonnxruntime_providers_shared.so $G/c2/libonnxruntime_providers_tensorrt.so $V/ort/
  for b in gpucheck.test xla-gpu.test; do unz $G/c2/$b.zst $V/bin/$b && chmod +x $V/bin/$b; done
  for m in lightning thunder multipose; do $E models import-tfjs $G/c2/tfjs/movenet-$m.json $V/pose/movenet-$m.onnx >/dev/null 2>&1; done
  # a model store for `run --offline`: the import is deterministic, so the build machine's sidecar matches
  mkdir -p $V/cache/movenet-lightning/4 && cp $V/pose/movenet-lightning.onnx $V/cache/movenet-lightning/4/model.onnx &&
    cp $G/c2/tfjs/model.onnx.sidecar.json $V/cache/movenet-lightning/4/
  (cd /tmp && python3 $S/all_outputs.py $V/pose/movenet-lightning.onnx $V/pose/lightning-all.onnx 1,192,192,3)
  GC="env VIVID_POSE_DIR=$V/pose VIVID_OPS_DIR=$G/c2/ops ONNXRUNTIME_LIB=$ORT LD_LIBRARY_PATH=$LDP"
  $GC timeout 120 $V/bin/gpucheck.test -test.run 'TestMoveNet|TestOperators' -test.v 2>&1 | grep -E '^\{|^\s*---' | cut -c1-300 > $OUT/gpucheck-l3.txt
  grep -c . $OUT/gpucheck-l3.txt; grep -E -- '---' $OUT/gpucheck-l3.txt
  $GC VIVID_DEBUG_MODELS=lightning=$V/pose/lightning-all.onnx=1:192:192:3 timeout 120 $V/bin/gpucheck.test -test.run TestDebugAllOutputs -test.v 2>&1 \
    | grep -E '^\{|^\s*---' > $OUT/movenet-bisect.jsonl
  grep -m3 -E '"RelL2":([0-9.]+e-0[0-2]|0\.[0-9]*[1-9]|[1-9])' $OUT/movenet-bisect.jsonl | cut -c1-250
  python3 - $V/pose/lightning-all.onnx $ORT <<'PY' 2>&1 | tail -8 | tee $OUT/movenet-python-ort.txt
import sys, numpy as np, onnxruntime as o
print("python onnxruntime", o.__version__, o.get_available_providers())
x = np.random.default_rng(7).integers(0, 256, (1, 192, 192, 3)).astype(np.int32)
ref = o.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
names = [v.name for v in ref.get_outputs()]
a = ref.run(None, {"input": x})
if "CUDAExecutionProvider" in o.get_available_providers():
    b = o.InferenceSession(sys.argv[1], providers=["CUDAExecutionProvider"]).run(None, {"input": x})
    for n, u, v in zip(names, a, b):
        r = float(np.linalg.norm(u.astype(np.float64) - v) / (np.linalg.norm(u.astype(np.float64)) + 1e-30))
        if r > 1e-3:
            print("first divergent (python ORT CUDA vs CPU):", n, r); break
    else:
        print("python ORT CUDA = CPU on every output")
PY
  $E bench pose-model --log-level info --ort-lib $ORT --onnx $V/pose/movenet-lightning.onnx --providers cuda --frames 200 2>&1 | grep -E '^\{|cross|fall|differ' | cut -c1-400 | tee $OUT/pose-crosscheck.txt
  $P0 timeout ${PEER_S:-330} python3 $S/torch_peer.py 2>&1 | grep --line-buffered -E '^\{|Error' | tee $OUT/torch_peer.jsonl
  ;;
l3c)
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/cuda
  W=$V/w3; mkdir -p $W
  OPS="selfie=$(ls $G/c2/ops/selfie/*/model.onnx),meet=$(ls $G/c2/ops/meet/*/model.onnx),esrgan-slim-x2=$(ls $G/c2/ops/esrgan-slim-x2/*/model.onnx),esrgan-medium-x2=$(ls $G/c2/ops/esrgan-medium-x2/*/model.onnx)"
  (cd $V && XLA_CHECK_WORK=$W XLA_CHECK_RUNS=30 XLA_CHECK_MODELS="sdxl-unet=$V/sdxl-static/unet/model.onnx,$OPS" XLA_CHECK_PIPELINE=$V/sdxl-static \
    timeout 240 $V/bin/xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0 2>&1 | grep -E '^\{|FAIL|PASS|rror' | cut -c1-600 | tee $OUT/xla-l3.jsonl)
  timeout 150 $P1 python3 $S/ort_ref.py $W 2>&1 | grep -E '^\{|rror' | tee -a $OUT/xla-l3.jsonl
  XLA_CHECK_WORK=$W XLA_CHECK_COMPARE=1 timeout 60 $V/bin/xla-gpu.test -test.run '^TestGPUCompare$' -test.v 2>&1 | grep -E '^\{' | cut -c1-400 | tee -a $OUT/xla-l3.jsonl
  timeout 120 $E diffusion run --backend xla --offline --cache-dir $V/cache --model $V/sdxl-static --input $G/c2/in.png --prompt "a neon city at night" \
    --seed 42 --size 512 --steps 4 --strength 0.75 --taesd --out $OUT/sdxl-xla.png 2>&1 | tail -3 | cut -c1-300 | tee $OUT/xla-diffusion-run.txt
  timeout 150 $E run --backend xla --offline --cache-dir $V/cache --pose-model movenet-lightning --diffusion-model $V/sdxl-static --diffusion-taesd \
    --diffusion-size 512 --frames 600 --osc-in off --http 127.0.0.1:18080 --log-level info > $V/xla-run.log 2>&1
  echo "run exit $?"; grep -E 'stats|rror|backend|compil' $V/xla-run.log | tail -8 | cut -c1-500 | tee $OUT/xla-run.txt
  ;;
l3d)
  O="--log-level warn --ort-lib $ORT"
  B="--size 512 --steps 4 --strength 1 --frames 12 --model $V/sdxl-static --taesd"
  TX="cuda;text_encoder=cpu;text_encoder_2=cpu"
  { $P0 $E bench diffusion $O $B --providers cuda --cuda-options enable_cuda_graph=1
    $P0 $E bench diffusion $O $B --providers "$TX" --cuda-options enable_cuda_graph=1,arena_extend_strategy=kSameAsRequested,cudnn_conv_use_max_workspace=0
    $P0 $E bench diffusion $O $B --providers "$TX" --cuda-options arena_extend_strategy=kSameAsRequested,cudnn_conv_use_max_workspace=0
    $P0 $E bench diffusion $O $B --providers cuda --cuda-options enable_cuda_graph=1,arena_extend_strategy=kSameAsRequested,cudnn_conv_use_max_workspace=0
  } 2>$V/l3-bench.log | grep --line-buffered '^{' | tee $OUT/l3-bench.jsonl
  grep -v "graph capture" $V/l3-bench.log | cut -c1-300 | tail -4
  timeout 150 $E run --ort-lib $ORT --offline --cache-dir $V/cache --pose-model movenet-lightning --pose-providers cuda,cpu \
    --diffusion-model $V/sdxl-static --diffusion-providers cuda --diffusion-cuda-options enable_cuda_graph=1 --diffusion-taesd --diffusion-size 512 \
    --frames 600 --osc-in off --http 127.0.0.1:18080 --log-level info > $V/cuda-run.log 2>&1
  echo "run exit $?"; grep -E 'stats|rror|cross|fall|provider' $V/cuda-run.log | tail -8 | cut -c1-500 | tee $OUT/cuda-run.txt
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/cuda
  timeout 230 $E run --backend xla --offline --cache-dir $V/cache --pose-model movenet-lightning --diffusion-model $V/sdxl-static --diffusion-taesd \
    --diffusion-size 512 --frames 4500 --osc-in off --http 127.0.0.1:18080 --log-level info > $V/xla-run2.log 2>&1
  echo "run exit $?"; grep -E 'stats|rror' $V/xla-run2.log | tail -4 | cut -c1-500 | tee $OUT/xla-run2.txt
  ;;
# l4 (one call, carries .gpu/c3): the importer's Resize fix on the CUDA provider: selfie and
# meet as imported before (old/, Resize on NHWC) and after (new/, Resize on the NCHW transpose).
l4)
  mkdir -p $V/ort4 && cp $G/c3/zstd $V/bin/zstd && chmod +x $V/bin/zstd
  unz $G/c3/cuda90.zst $V/ort4/libonnxruntime_providers_cuda.so; unz $G/c3/core.zst $V/ort4/libonnxruntime.so.1
  cp $G/c3/libonnxruntime_providers_shared.so $V/ort4/; unz $G/c3/gpucheck.test.zst $V/bin/gpucheck.test && chmod +x $V/bin/gpucheck.test
  for v in old new; do
    echo "== $v"; env VIVID_OPS_DIR=$G/c3/$v ONNXRUNTIME_LIB=$V/ort4/libonnxruntime.so.1 LD_LIBRARY_PATH=$LDP timeout 100 $V/bin/gpucheck.test \
      -test.run TestOperators -test.v 2>&1 | grep -E '^\{|^\s*---' | cut -c1-260 | tee $OUT/resize-$v.txt
  done
  ;;
# l5 (one call, carries .gpu/c5): MoveNet Lightning as the fixed importer writes it, CUDA vs CPU.
l5)
  mkdir -p $V/ort5 $V/pose5 && cp $G/c5/zstd $V/bin/zstd && chmod +x $V/bin/zstd
  unz $G/c5/cuda90.zst $V/ort5/libonnxruntime_providers_cuda.so; xz -d -c $G/c5/core.xz > $V/ort5/libonnxruntime.so.1
  cp $G/c5/libonnxruntime_providers_shared.so $V/ort5/; unz $G/c5/gpucheck.test.zst $V/bin/gpucheck.test && chmod +x $V/bin/gpucheck.test
  unz $G/c5/ml.onnx.zst $V/pose5/movenet-lightning.onnx
  env VIVID_POSE_DIR=$V/pose5 ONNXRUNTIME_LIB=$V/ort5/libonnxruntime.so.1 LD_LIBRARY_PATH=$LDP timeout 100 $V/bin/gpucheck.test \
    -test.run TestMoveNet -test.v 2>&1 | grep -E '^\{|^\s*---' | cut -c1-260 | tee $OUT/resize-movenet.txt
  ;;
# l6 (after l5 on the same machine, carries .gpu/c6: the engine built with the fixed importer):
# the engine's pose cross-check now keeps Lightning on CUDA; CUDA vs CPU timing in one call.
l6)
  chmod +x $G/c6/vivid-ml-engine
  for p in cuda cpu; do
    LD_LIBRARY_PATH=$LDP $G/c6/vivid-ml-engine bench pose-model --log-level info --ort-lib $V/ort5/libonnxruntime.so.1 \
      --onnx $V/pose5/movenet-lightning.onnx --providers $p --frames 500 2>&1 | grep -E '^\{|disagree|loaded' | cut -c1-400
  done | tee $OUT/pose-cuda-fixed.txt
  ;;
# The fourth lease (issues 11, 12, 16), four calls on one machine: c1, c2, c2, c7.
#   l7a: static SDXL with text encoders; the torch peer once (cold torch.compile).
#   l7b: the torch peer again, then ORT CUDA and XLA on the same SDXL, all in this one call,
#        each under vstep (one VRAM metric for all three).
#   l7c: ORT CUDA VRAM options; XLA with VIVID_XLA_CONV=nhwc and the optimized HLO's conv
#        layouts; MoveNet ×3 CUDA vs CPU after the importer's Resize fix, timed.
#   l7d: operators (selfie, meet, ESRGAN) on the engine's CPU, CUDA and XLA paths and on
#        TensorFlow.js WASM (.gpu/c7: node and tfjs, scripts/gpu/prep_tfjs.sh) in one call.
l7a)
  unpack_c1
  nvidia-smi --query-gpu=name,driver_version,memory.used,clocks.max.sm --format=csv,noheader
  $P0 python3 $S/sdxl_export.py $V/sdxl-static $V/tiny --static 2>&1 | grep -E '^\{|Error' | tee $OUT/export.jsonl
  du -sh $V/sdxl-static
  vstep torch-cold $P0 timeout ${PEER_S:-330} python3 $S/torch_peer.py 2>&1 | grep --line-buffered -E '^\{|Error' | tee $OUT/torch-cold.jsonl
  ;;
l7b)
  unz $G/c2/core.zst $ORT
  cp $G/c2/libonnxruntime_providers_shared.so $G/c2/libonnxruntime_providers_tensorrt.so $V/ort/
  for b in gpucheck.test xla-gpu.test; do unz $G/c2/$b.zst $V/bin/$b && chmod +x $V/bin/$b; done
  for m in lightning thunder multipose; do $E models import-tfjs $G/c2/tfjs/movenet-$m.json $V/pose/movenet-$m.onnx >/dev/null 2>&1; done
  rm -rf $V/ops && cp -r $G/c2/ops $V/ops
  {
  vstep torch $P0 timeout ${PEER_S:-220} python3 $S/torch_peer.py 2>&1 | grep --line-buffered -E '^\{|Error'
  O="--log-level warn --ort-lib $ORT"
  B="--size 512 --steps 4 --strength 1 --frames 12 --model $V/sdxl-static --providers cuda --cuda-options enable_cuda_graph=1"
  vstep ort-taesd $P0 timeout 100 $E bench diffusion $O $B --taesd 2>>$V/l7-bench.log
  vstep ort-vae $P0 timeout 100 $E bench diffusion $O $B 2>>$V/l7-bench.log
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/cuda
  mkdir -p $V/w7 && cd $V && vstep xla env XLA_CHECK_WORK=$V/w7 XLA_CHECK_RUNS=30 XLA_CHECK_MODELS="sdxl-unet=$V/sdxl-static/unet/model.onnx" \
    XLA_CHECK_PIPELINE=$V/sdxl-static $P0 timeout 170 $V/bin/xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0 2>&1 | grep -E '^\{|FAIL|rror' | cut -c1-700
  } | tee $OUT/same-call.jsonl
  grep -v "graph capture" $V/l7-bench.log | cut -c1-300 | tail -4
  ;;
l7c)
  O="--log-level warn --ort-lib $ORT"
  B="--size 512 --steps 4 --strength 1 --frames 12 --model $V/sdxl-static --taesd"
  TX="cuda;text_encoder=cpu;text_encoder_2=cpu"
  KS=arena_extend_strategy=kSameAsRequested,cudnn_conv_use_max_workspace=0
  {
  vstep ort-tx-graph-heuristic $P0 timeout 100 $E bench diffusion $O $B --providers "$TX" --cuda-options enable_cuda_graph=1,$KS,cudnn_conv_algo_search=HEURISTIC
  vstep ort-tx-heuristic $P0 timeout 100 $E bench diffusion $O $B --providers "$TX" --cuda-options $KS,cudnn_conv_algo_search=HEURISTIC
  vstep ort-tx-graph-limit6g $P0 timeout 100 $E bench diffusion $O $B --providers "$TX" --cuda-options enable_cuda_graph=1,$KS,gpu_mem_limit=6442450944
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0
  cd $V
  for lay in nchw nhwc; do
    mkdir -p $V/w7$lay && vstep xla-$lay env XLA_FLAGS="--xla_gpu_cuda_data_dir=/usr/local/cuda --xla_dump_to=$V/hlo-$lay --xla_dump_hlo_as_text" VIVID_XLA_CONV=$lay XLA_CHECK_WORK=$V/w7$lay XLA_CHECK_RUNS=30 XLA_CHECK_MODELS="sdxl-unet=$V/sdxl-static/unet/model.onnx" \
      $P0 timeout 110 $V/bin/xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0 2>&1 | grep -E '^\{|FAIL|rror' | cut -c1-700
  done
  } 2>$V/l7c.log | tee $OUT/l7c.jsonl
  # what XLA made of the UNet's convolutions (optimized HLO): cuDNN conv calls, their f16 operand layouts, transposes/copies
  for lay in nchw nhwc; do
    f=$(ls -S $V/hlo-$lay/*after_optimizations.txt 2>/dev/null | head -1)
    [ -n "$f" ] || continue
    echo "== $lay $(basename $f) $(wc -c < $f) bytes"
    grep -o 'custom_call_target="__cudnn\$conv[A-Za-z]*"' $f | sort | uniq -c
    echo "transpose/copy f16: $(grep -cE '= f16\[[0-9,]+\]\{[0-9,]+\} (transpose|copy)\(' $f)"
    grep -E '__cudnn\$conv' $f | grep -o 'f16\[[0-9,]*\]{[0-9,]*}' | sort | uniq -c | sort -rn | head -6
  done | tee $OUT/hlo-conv.txt
  GC="env VIVID_POSE_DIR=$V/pose ONNXRUNTIME_LIB=$ORT LD_LIBRARY_PATH=$LDP"
  $GC timeout 100 $V/bin/gpucheck.test -test.run TestMoveNet -test.v 2>&1 | grep -E '^\{|^\s*---' | cut -c1-260 | tee $OUT/movenet-fixed.txt
  for m in lightning thunder multipose; do for p in cuda cpu; do
    $P0 $E bench pose-model --log-level info --ort-lib $ORT --onnx $V/pose/movenet-$m.onnx --providers $p --frames 200 2>&1 | grep -E '^\{|disagree' | cut -c1-400
  done; done | tee $OUT/pose-cuda-cpu.jsonl
  ;;
l7d)
  O="--log-level warn --ort-lib $ORT --offline --cache-dir $V/ops"
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/cuda
  {
  bash $S/tfjs_peer.sh $G/c7 $V/tfjs
  for pv in "--providers cpu --threads 1" "--providers cpu" "--providers cuda" "--backend xla"; do
    for m in selfie meet; do $P0 $E bench operator $O $pv --model $m --frames 100; done
    for m in esrgan-slim-x2 esrgan-medium-x2; do $P0 $E bench operator $O $pv --model $m --width 128 --height 128 --frames 30; done
  done
  } 2>$V/l7d.log | tee $OUT/ops-same-call.jsonl
  grep -E "rror|disagree" $V/l7d.log | cut -c1-300 | head -8
  ;;
esac

# The fifth lease (issue 12), three calls on one machine: .gpu/d1, .gpu/d1, .gpu/d2 (prep_l9.sh).
#   l9a: export static SDXL with text encoders; meanwhile MoveNet Lightning under XLA flag
#        variants (cores 8-15); then the UNet under the first variants.
#   l9b: the UNet under the other variants, and the per-fusion autotune cache (two runs).
#   l9c: one call with the torch peer, ORT CUDA and the engine's XLA path (device loop and
#        host loop; TAESD and full VAE; allocator and fp16 text-encoder weights), each under
#        vstep, XLA with the sweep's fastest flags.
XB="--xla_gpu_cuda_data_dir=/usr/local/cuda"
XLA_VARIANTS=(
  "base|"
  "no-command-buffer|--xla_gpu_enable_command_buffer="
  "graph-min-1|--xla_gpu_graph_min_graph_size=1"
  "no-triton-gemm|--xla_gpu_enable_triton_gemm=false"
  "cublaslt|--xla_gpu_enable_cublaslt=true"
  "exhaustive-tiling|--xla_gpu_exhaustive_tiling_search=true"
  "cudnn-gemm-fusion|--xla_gpu_cudnn_gemm_fusion_level=2"
  "autotune-0|--xla_gpu_autotune_level=0"
)
unet_variant() { # NAME FLAGS: the UNet alone, 30 runs, under XLA_FLAGS
  mkdir -p $V/wu-$1
  env XLA_FLAGS="$XB $2" XLA_CHECK_WORK=$V/wu-$1 XLA_CHECK_RUNS=30 XLA_CHECK_MODELS="sdxl-unet=$V/sdxl-static/unet/model.onnx" \
    $P0 timeout 90 $V/bin/xla-gpu.test -test.run '^TestGPUCheck$' -test.v -test.timeout 0 2>&1 | grep -E '^\{|FAIL|rror' | cut -c1-600 |
    sed "s/^{/{\"variant\":\"$1\",/"
}
case $call in
l9a)
  cp $G/d1/zstd $V/bin/zstd && chmod +x $V/bin/zstd
  for b in vivid-ml-engine xla-gpu.test; do unz $G/d1/$b.zst $V/bin/$b && chmod +x $V/bin/$b; done
  mkdir -p /tmp/diffusers && tar xzf $G/d1/diffusers-src.tar.gz -C /tmp/diffusers
  rm -rf $V/tiny && cp -r $G/d1/tiny $V/tiny
  cp $G/d1/tfjs/movenet-lightning.onnx $V/pose/
  nvidia-smi --query-gpu=name,driver_version,memory.used,clocks.max.sm --format=csv,noheader
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0
  ( $P0 python3 $S/sdxl_export.py $V/sdxl-static $V/tiny --static 2>&1 | grep -E '^\{|Error' > $V/export.jsonl; touch $V/export.done ) &
  for v in "${XLA_VARIANTS[@]}"; do
    n=${v%%|*}; f=${v#*|}
    env XLA_FLAGS="$XB $f" $P1 timeout 60 $E bench pose-model --log-level warn --backend xla --onnx $V/pose/movenet-lightning.onnx --frames 1000 2>&1 |
      grep -E '^\{|rror' | cut -c1-500 | sed "s/^{/{\"variant\":\"$n\",/"
  done | tee $OUT/movenet-variants.jsonl
  wait
  cat $V/export.jsonl | tee $OUT/export.jsonl; du -sh $V/sdxl-static
  for v in "${XLA_VARIANTS[@]:0:3}"; do unet_variant "${v%%|*}" "${v#*|}"; done | tee $OUT/unet-variants-a.jsonl $V/unet-variants-a.jsonl
  ;;
l9b)
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0
  {
  for v in "${XLA_VARIANTS[@]:3}"; do unet_variant "${v%%|*}" "${v#*|}"; done
  for i in 1 2; do unet_variant autotune-cache-$i "--xla_gpu_per_fusion_autotune_cache_dir=$V/atc"; done
  } | tee $OUT/unet-variants-b.jsonl $V/unet-variants-b.jsonl
  ;;
l9c)
  unz $G/d2/core.zst $ORT
  unz $G/d2/cuda90.zst $V/ort/libonnxruntime_providers_cuda.so
  cp $G/d2/libonnxruntime_providers_shared.so $V/ort/
  unz $G/d2/vivid-ml-engine.zst $V/bin/vivid-ml-engine && chmod +x $V/bin/vivid-ml-engine
  # the sweep's fastest UNet variant (median step), if it beat base
  best=$(cat $V/unet-variants-*.jsonl 2>/dev/null | python3 -c '
import json, sys
best = ("base", 1e9)
for l in sys.stdin:
    try: r = json.loads(l)
    except Exception: continue
    ms = r.get("run_ms_median") or r.get("median_ms")
    if ms and r.get("variant") and not r["variant"].startswith("autotune") and ms < best[1]: best = (r["variant"], ms)
print(best[0])')
  XF=""
  for v in "${XLA_VARIANTS[@]}"; do [ "${v%%|*}" = "$best" ] && XF=${v#*|}; done
  echo "{\"xla_flags_best\":\"$best\",\"flags\":\"$XF\"}"
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS="$XB $XF"
  O="--log-level warn --ort-lib $ORT"
  B="--size 512 --steps 4 --strength 1 --frames 20 --model $V/sdxl-static"
  {
  vstep torch $P0 timeout ${PEER_S:-230} python3 $S/torch_peer.py 2>&1 | grep --line-buffered -E '^\{|Error'
  vstep ort-taesd $P0 timeout 90 $E bench diffusion $O $B --providers cuda --cuda-options enable_cuda_graph=1 --taesd 2>>$V/l9-bench.log
  vstep xla-taesd $P0 timeout 150 $E bench diffusion $O $B --backend xla --taesd 2>>$V/l9-bench.log
  vstep xla-vae $P0 timeout 150 $E bench diffusion $O $B --backend xla 2>>$V/l9-bench.log
  vstep xla-taesd-host-loop $P0 timeout 150 $E bench diffusion $O $B --backend xla --taesd --host-loop 2>>$V/l9-bench.log
  vstep xla-taesd-platform-half $P0 timeout 150 $E bench diffusion $O $B --backend xla --taesd --xla-allocator platform --xla-half-weights text_encoder,text_encoder_2 2>>$V/l9-bench.log
  } | tee $OUT/same-call.jsonl
  grep -v "graph capture" $V/l9-bench.log | grep -iE "rror|warn" | cut -c1-300 | tail -6
  ;;
l9d)
  # the machine was handed back after l9c: unpack d1 and export again, then memory and MoveNet variants
  cp $G/d1/zstd $V/bin/zstd && chmod +x $V/bin/zstd
  unz $G/d1/vivid-ml-engine.zst $V/bin/vivid-ml-engine && chmod +x $V/bin/vivid-ml-engine
  mkdir -p /tmp/diffusers && tar xzf $G/d1/diffusers-src.tar.gz -C /tmp/diffusers
  rm -rf $V/tiny && cp -r $G/d1/tiny $V/tiny && cp $G/d1/tfjs/movenet-lightning.onnx $V/pose/
  export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0
  [ -f $V/export.done ] && [ -f $V/sdxl-static/unet/model.onnx ] ||
    { $P0 python3 $S/sdxl_export.py $V/sdxl-static $V/tiny --static 2>&1 | grep -E '^\{|Error' > $V/export.jsonl && touch $V/export.done; }
  {
  for f in "" "--xla_gpu_enable_triton_gemm=false" "--xla_gpu_cudnn_gemm_fusion_level=2" "--xla_gpu_enable_cublaslt=true"; do
    XLA_FLAGS="$XB $f" $P0 timeout 40 $E bench pose-model --log-level warn --backend xla --onnx $V/pose/movenet-lightning.onnx --frames 2000 2>&1 |
      grep '^{' | cut -c1-400 | sed "s/^{/{\"flags\":\"$f\",/"
  done
  B="--log-level warn --size 512 --steps 4 --strength 1 --frames 12 --model $V/sdxl-static --backend xla --taesd"
  XLA_FLAGS="$XB" vstep triton-platform-half $P0 timeout 100 $E bench diffusion $B --xla-allocator platform --xla-half-weights text_encoder,text_encoder_2
  XLA_FLAGS="$XB --xla_gpu_enable_triton_gemm=false" vstep notriton-platform $P0 timeout 100 $E bench diffusion $B --xla-allocator platform
  XLA_FLAGS="$XB" vstep triton-cudaasync-half $P0 timeout 100 $E bench diffusion $B --xla-allocator cuda_async --xla-half-weights text_encoder,text_encoder_2
  } 2>&1 | grep '^{' | tee $OUT/l9d.jsonl | cut -c1-700
  ;;
esac

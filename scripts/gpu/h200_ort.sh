#!/usr/bin/env bash
# The H200 check of ONNX Runtime's CUDA path (issue 11), in phases that run in
# consecutive device calls while the machine stays warm (state lives in /tmp/v).
#   stage1: diffusers' source, MoveNet Thunder's TFJS source, provider part 1; the
#           diffusers goldens (.gpu/goldens/run.sh) when carried
#   stage2: part 2; export real-architecture SDXL (dynamic + static shapes); torch peer
#   stage3: part 3, the ONNX Runtime core; the XLA check (.gpu/xla/run.sh) when carried
#   stage4: part 4; reassemble the CUDA provider (sha256 printed); engine benchmarks
#           (pose, SDXL img2img variants), `diffusion run`, the CUDA-vs-CPU conformance check
# Carried inputs live in .gpu/c1..c4 (ignored by git; scripts/gpu/prep.sh fills them), one per call.
# Results go to $OUT as JSON lines and logs.
set -uo pipefail
phase=$1
V=/tmp/v
mkdir -p $V
here=$(cd "$(dirname "$0")/../.." && pwd)
G=$here/.gpu
export PYTHONUNBUFFERED=1 PYTHONPATH=/tmp/diffusers/src:$here/scripts/gpu
NV=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
LDP=$(ls -d $NV/*/lib 2>/dev/null | tr '\n' ':')
ORT=$V/ort/libonnxruntime.so.1

case $phase in
stage1)
  mkdir -p $V/tfjs /tmp/diffusers
  cp $G/c1/part.* $V/; cp $G/c1/movenet-* $V/tfjs/
  tar xzf $G/c1/diffusers-src.tar.gz -C /tmp/diffusers
  python3 -c "import diffusers, torch; print('diffusers', diffusers.__version__, 'torch', torch.__version__, torch.cuda.get_device_name())"
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv | tee $OUT/gpu.txt
  if [ -f $G/c1/goldens/run.sh ]; then (cd $G/c1/goldens && timeout 300 bash run.sh $V/goldens) > $OUT/goldens-log.txt 2>&1
    tail -5 $OUT/goldens-log.txt; (cd $V && tar czf $OUT/goldens.tgz goldens) && ls -la $OUT/goldens.tgz; fi
  ;;
stage2)
  cp $G/c2/part.* $V/; cp $G/c2/movenet-* $V/tfjs/; rm -rf $V/tiny; cp -r $G/c2/tiny $V/tiny
  if [ -f $G/c2/st/run.sh ]; then (cd $G/c2/st && timeout 180 bash run.sh $V/st) > $OUT/st-log.txt 2>&1
    tail -3 $OUT/st-log.txt; (cd $V && tar czf $OUT/st.tgz st) && ls -la $OUT/st.tgz; fi
  T0=$(date +%s)
  python3 $here/scripts/gpu/sdxl_export.py $V/sdxl $V/tiny 2>&1 | grep -v Warning | tee $OUT/export.log | tail -12
  python3 $here/scripts/gpu/sdxl_export.py $V/sdxl-static $V/tiny --static --no-text 2>&1 | grep -v Warning | tail -8 | tee -a $OUT/export.log
  for p in text_encoder text_encoder_2; do ln -sfn $V/sdxl/$p $V/sdxl-static/$p; done
  du -sh $V/sdxl $V/sdxl-static | tee -a $OUT/export.log
  echo "export took $(( $(date +%s) - T0 )) s" | tee -a $OUT/export.log
    ;;
stage3)
  cp $G/c3/part.* $V/; mkdir -p $V/ort $V/bin
  cp $G/c3/zstd $V/bin/zstd; chmod +x $V/bin/zstd
  $V/bin/zstd -d -q -f $G/c3/core.zst -o $ORT
  cp $G/c3/libonnxruntime_providers_shared.so $G/c3/libonnxruntime_providers_tensorrt.so $V/ort/
  timeout ${PEER_S:-240} python3 $here/scripts/gpu/torch_peer.py ${PEER_ARGS:-} 2>&1 | grep --line-buffered '^{' | tee $OUT/torch_peer.jsonl
  if [ -f $G/xla/run.sh ]; then (cd $G/xla && SDXL_DIR=$V/sdxl timeout 420 bash run.sh) > $OUT/xla.log 2>&1; tail -30 $OUT/xla.log; fi
  ;;
stage4)
  cp $G/c4/part.* $V/ 2>/dev/null
  cat $V/part.0* | $V/bin/zstd -d -q -f -o $V/ort/libonnxruntime_providers_cuda.so
  for b in vivid-ml-engine gpucheck.test; do for c in c4 c5; do [ -f $G/$c/bin/$b.zst ] && $V/bin/zstd -d -q -f $G/$c/bin/$b.zst -o $V/bin/$b; done; chmod +x $V/bin/$b; done
  (cd $V/ort && sha256sum * | tee $OUT/ort-sha256.txt)
  mkdir -p $V/pose
  for m in lightning thunder multipose; do $V/bin/vivid-ml-engine models import-tfjs $V/tfjs/movenet-$m.json $V/pose/movenet-$m.onnx >/dev/null 2>&1; done
  ls -la $V/pose
  export LD_LIBRARY_PATH=$LDP${LD_LIBRARY_PATH:-}
  E="$V/bin/vivid-ml-engine --ort-lib $ORT --log-level warn"
  {
  for m in lightning thunder multipose; do
    $E bench pose-model --onnx $V/pose/movenet-$m.onnx --providers cuda --frames 200
  done
  $E bench pose-model --onnx $V/pose/movenet-lightning.onnx --providers cpu --threads 16 --frames 100
  B="bench diffusion --providers cuda --size 512 --steps 4 --strength 1 --frames 8"
  $E $B --model $V/sdxl
  $E $B --model $V/sdxl-static --cuda-options enable_cuda_graph=1
  $E $B --model $V/sdxl-static --cuda-options enable_cuda_graph=1 --taesd
  } 2>$OUT/engine-bench.log | tee $OUT/engine-bench.jsonl
  grep -E "skipped|refused|device I/O|rror" $OUT/engine-bench.log | cut -c1-400 | sort | uniq -c | head -20
  $V/bin/vivid-ml-engine --ort-lib $ORT diffusion run --model $V/sdxl --providers tensorrt,cuda,cpu --size 512 --steps 4 --strength 0.75 \
    --input $G/c4/in/in.png --prompt "a neon city at night" --seed 42 --out $OUT/sdxl-cuda.png >> $OUT/engine-bench.jsonl 2> $V/diffusion-run.log
  tail -1 $OUT/engine-bench.jsonl; grep -E "skipped|rror" $V/diffusion-run.log | cut -c1-300 | head -5
  VIVID_SDXL_DIR=$V/sdxl VIVID_POSE_DIR=$V/pose ONNXRUNTIME_LIB=$ORT timeout ${CHECK_S:-150} $V/bin/gpucheck.test -test.v -test.timeout 8m > $OUT/gpucheck.log 2>&1
  grep -E '^\s*(---|ok|FAIL|PASS)|rror' $OUT/gpucheck.log | head -40
  nvidia-smi --query-gpu=memory.used --format=csv | tee -a $OUT/gpu.txt
  ;;
esac

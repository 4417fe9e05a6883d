#!/usr/bin/env bash
# Fill .gpu/d1 and .gpu/d2 (ignored by git) for the fifth lease's calls (h200.sh l9a-l9c),
# each < 64 MiB with the tracked tree (move the diffusion testdata folders aside while carrying):
#   d1: zstd, the engine and the XLA check binary (-tags nomidi), diffusers' source, the tiny
#       SDXL folder (tokenizers, scheduler), MoveNet Lightning as the engine imports it;
#   d2: the ONNX Runtime core, the CUDA provider's sm_90 code (prune_fatbin.py), the engine.
# usage: scripts/gpu/prep_l9.sh DIFFUSERS_SRC.tar.gz   (git archive HEAD src/diffusers | gzip)
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.gpu
C=${VIVID_CACHE_DIR:-$HOME/.cache/vivid-ml-engine}
PROV=$C/onnxruntime-cuda/1.29.0
CORE=$C/onnxruntime/1.29.0/libonnxruntime.so.1
rm -rf $G/d1 $G/d2
mkdir -p $G/d1/tfjs $G/d2 $G/bin
if [ ! -f $G/cuda90.zst ]; then
  python3 scripts/gpu/prune_fatbin.py $PROV/libonnxruntime_providers_cuda.so $G/cuda90.so 90
  zstd -19 -T2 -q -f --rm $G/cuda90.so -o $G/cuda90.zst
fi
[ -f $G/core.zst ] || zstd -19 -T2 -q -f $CORE -o $G/core.zst
cp "$1" $G/d1/diffusers-src.tar.gz
cp "$(command -v zstd)" $G/d1/zstd
go run ./cmd/vivid-ml-engine models make-tiny-sdxl $G/d1/tiny >/dev/null
go build -tags nomidi -ldflags "-s -w" -o $G/bin/vivid-ml-engine ./cmd/vivid-ml-engine
if ldd $G/bin/vivid-ml-engine | grep -q asound; then echo "engine binary links libasound" >&2; exit 1; fi
go test -c -tags nomidi -ldflags "-s -w" -o $G/bin/xla-gpu.test ./xla/
zstd -19 -T2 -q -f $G/bin/vivid-ml-engine -o $G/d1/vivid-ml-engine.zst
zstd -19 -T2 -q -f $G/bin/xla-gpu.test -o $G/d1/xla-gpu.test.zst
cp $C/movenet-lightning/4/model.onnx $G/d1/tfjs/movenet-lightning.onnx
cp $G/core.zst $G/cuda90.zst $G/d1/vivid-ml-engine.zst $G/d2/
cp $PROV/libonnxruntime_providers_shared.so $G/d2/
du -sh $G/d1 $G/d2

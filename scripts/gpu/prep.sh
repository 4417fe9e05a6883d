#!/usr/bin/env bash
# Fill .gpu/c1 and .gpu/c2 (ignored by git) with what scripts/gpu/h200.sh carries, each
# < 64 MiB with the tracked tree: the CUDA provider with only its sm_90 code
# (prune_fatbin.py: 230 MB → 39 MB compressed), the ONNX Runtime core, diffusers' source
# tarball, a tiny SDXL folder (tokenizers/scheduler), the engine and test binaries
# (-tags nomidi: the GPU machine has no libasound), MoveNet's TFJS sources, the operator
# models, ORT-CPU reference outputs for the XLA check.
# usage: scripts/gpu/prep.sh DIFFUSERS_SRC.tar.gz   (git archive HEAD src/diffusers | gzip)
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.gpu
C=${VIVID_CACHE_DIR:-$HOME/.cache/vivid-ml-engine}
PROV=$C/onnxruntime-cuda/1.29.0
CORE=$C/onnxruntime/1.29.0/libonnxruntime.so.1
rm -rf $G/c1 $G/c2
mkdir -p $G/c1 $G/c2/tfjs $G/c2/ops $G/c2/xla/models $G/bin
if [ ! -f $G/cuda90.zst ]; then
  python3 scripts/gpu/prune_fatbin.py $PROV/libonnxruntime_providers_cuda.so $G/cuda90.so 90
  zstd -19 -T2 -q -f --rm $G/cuda90.so -o $G/cuda90.zst
fi
cp $G/cuda90.zst "$1" $G/c1/
[ "$(basename "$1")" = diffusers-src.tar.gz ] || mv "$G/c1/$(basename "$1")" $G/c1/diffusers-src.tar.gz
cp "$(command -v zstd)" $G/c1/zstd
go run ./cmd/vivid-ml-engine models make-tiny-sdxl $G/c1/tiny >/dev/null
go build -tags nomidi -ldflags "-s -w" -o $G/bin/vivid-ml-engine ./cmd/vivid-ml-engine
if ldd $G/bin/vivid-ml-engine | grep -q asound; then echo "engine binary links libasound" >&2; exit 1; fi
go test -c -tags gpucheck -ldflags "-s -w" -o $G/bin/gpucheck.test ./tests/gpucheck/
go test -c -tags nomidi -ldflags "-s -w" -o $G/bin/xla-gpu.test ./xla/
zstd -19 -T2 -q -f $G/bin/vivid-ml-engine -o $G/c1/vivid-ml-engine.zst
for b in gpucheck.test xla-gpu.test; do zstd -19 -T2 -q -f $G/bin/$b -o $G/c2/$b.zst; done
[ -f $G/core.zst ] || zstd -19 -T2 -q -f $CORE -o $G/core.zst
cp $G/core.zst $G/c2/core.zst
cp $PROV/libonnxruntime_providers_shared.so $PROV/libonnxruntime_providers_tensorrt.so $G/c2/
cp $C/movenet-lightning/4/model.onnx.sidecar.json $G/c2/tfjs/
cp $C/movenet-lightning-tfjs/4/* $C/movenet-thunder-tfjs/4/* $C/movenet-multipose-tfjs/1/* $G/c2/tfjs/
for m in selfie meet esrgan-slim-x2 esrgan-medium-x2; do cp -r $C/$m $G/c2/ops/; done
# ORT-CPU references of the three MoveNets for the XLA check (its refs/ folder)
M=""
for m in lightning thunder multipose; do M="$M,movenet-$m=$(ls $C/movenet-$m/*/model.onnx)"; done
XLA_CHECK_BACKEND=ort ONNXRUNTIME_LIB=$CORE XLA_CHECK_WORK=$G/c2/xla/refs XLA_CHECK_MODELS="${M#,}" \
  $G/bin/xla-gpu.test -test.run '^TestGPUCheck$' >/dev/null
python3 - <<'PY'
import struct, zlib
w = h = 512
raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, (x ^ y) & 255)) for y in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(".gpu/c2/in.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
du -sh $G/c1 $G/c2

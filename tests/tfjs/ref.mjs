// ref.mjs runs a TFJS graph model from local files on the WASM backend (no network):
//
//   node ref.mjs MODEL.json CASES.json OUTDIR [--time N] [--outputs a,b,c]
//
// CASES.json is [{"file": "a.bin", "shape": [1,192,192,3], "dtype": "int32"}, ...] with raw
// little-endian input files next to it (dtype int32, the default, or float32). For each case OUTDIR/<file>.out holds the float32 output and OUTDIR/outputs.json
// the shapes. With --outputs the named nodes are fetched and output K goes to <file>.out.K.
// With --time N it also runs the first case N times after a warm-up and writes the
// per-run milliseconds to OUTDIR/timing.json. With --layers MODEL.json is a layers model
// (tfjs-layers, e.g. the ESRGAN packages; their custom layers are registered in layers.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { loadLayers } from './layers.mjs';
import { fileHandler } from './handler.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const args = process.argv.slice(2);
  let timeN = 0;
  const ti = args.indexOf('--time');
  if (ti >= 0) {
    timeN = parseInt(args[ti + 1], 10);
    args.splice(ti, 2);
  }
  const li = args.indexOf('--layers');
  const layers = li >= 0;
  if (layers) args.splice(li, 1);
  let outputNames = null;
  const oi = args.indexOf('--outputs');
  if (oi >= 0) {
    outputNames = args[oi + 1].split(',');
    args.splice(oi, 2);
  }
  if (args.length !== 3) {
    console.error('usage: node ref.mjs MODEL.json CASES.json OUTDIR [--time N]');
    process.exit(2);
  }
  const [modelPath, casesPath, outDir] = args;
  setWasmPaths(path.join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const model = layers ? await loadLayers(fileHandler(modelPath)) : await loadGraphModel(fileHandler(modelPath));
  const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  const caseDir = path.dirname(casesPath);
  fs.mkdirSync(outDir, { recursive: true });
  const shapes = {};
  const inputs = [];
  for (const c of cases) {
    const raw = fs.readFileSync(path.join(caseDir, c.file));
    const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const dtype = c.dtype || 'int32';
    const x = tf.tensor(dtype === 'float32' ? new Float32Array(buf) : new Int32Array(buf), c.shape, dtype);
    inputs.push(x);
    if (outputNames) {
      const ys = model.execute(x, outputNames);
      shapes[c.file] = [];
      for (let k = 0; k < ys.length; k++) {
        const out = await ys[k].data();
        shapes[c.file].push(ys[k].shape);
        fs.writeFileSync(path.join(outDir, `${c.file}.out.${k}`), Buffer.from(out.buffer, out.byteOffset, out.byteLength));
        ys[k].dispose();
      }
      continue;
    }
    const y = model.execute(x);
    const out = await y.data();
    shapes[c.file] = y.shape;
    fs.writeFileSync(path.join(outDir, c.file + '.out'), Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    y.dispose();
  }
  fs.writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify(shapes));
  if (timeN > 0 && inputs.length > 0) {
    for (let i = 0; i < 5; i++) {
      const y = model.execute(inputs[0]);
      await y.data();
      y.dispose();
    }
    const ms = [];
    for (let i = 0; i < timeN; i++) {
      const t0 = process.hrtime.bigint();
      const y = model.execute(inputs[0]);
      await y.data();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      y.dispose();
    }
    const flags = {
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    };
    fs.writeFileSync(path.join(outDir, 'timing.json'), JSON.stringify({ backend: tf.getBackend(), ...flags, ms }));
  }
  for (const x of inputs) x.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

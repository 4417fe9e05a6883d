// pipeline.mjs runs the whole one-shot pipelines on TensorFlow.js (WASM), as the reference for
// the engine's `segment` and `upscale` commands:
//
//   node pipeline.mjs segment MODEL.json RGB.bin W H OUT.f32
//   node pipeline.mjs upscale MODEL.json RGB.bin W H RANGE OUT.f32
//
// RGB.bin is W·H·3 bytes. segment follows tfjs-models selfie_segmentation_tfjs: the frame is
// resampled to the model's input with tf.image.transform (bilinear, zero border, keepAspectRatio
// false), scaled to 0..1, run, two-channel logits become softmax's channel 1, and the mask is
// resized back with tf.image.resizeBilinear (defaults). OUT is the W×H float32 mask.
// upscale scales bytes to 0..RANGE, runs the layers model on the whole frame and writes the
// NHWC output divided by RANGE (float32).
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
  const [mode, modelPath, rgbPath, ws, hs, ...rest] = process.argv.slice(2);
  setWasmPaths(path.join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const W = parseInt(ws, 10);
  const H = parseInt(hs, 10);
  const rgb = new Float32Array(fs.readFileSync(rgbPath));
  const img = tf.tensor(rgb, [1, H, W, 3], 'float32');
  let out;
  if (mode === 'segment') {
    const model = await loadGraphModel(fileHandler(modelPath));
    const [, h, w] = model.inputs[0].shape;
    const m = [W / w, 0, 0, 0, H / h, 0, 0, 0];
    const x = tf.div(tf.image.transform(img, tf.tensor2d([m]), 'bilinear', 'constant', 0, [h, w]), 255);
    let y = model.execute(x);
    if (y.shape[3] === 2) y = tf.slice(tf.softmax(y, -1), [0, 0, 0, 1], -1);
    out = tf.image.resizeBilinear(tf.squeeze(y, [0]), [H, W]);
    fs.writeFileSync(rest[0], Buffer.from((await out.data()).buffer));
  } else if (mode === 'upscale') {
    const range = parseFloat(rest[0]);
    const model = await loadLayers(fileHandler(modelPath));
    out = tf.div(model.execute(tf.mul(img, range / 255)), range);
    fs.writeFileSync(rest[1], Buffer.from((await out.data()).buffer));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

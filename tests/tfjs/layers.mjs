// layers.mjs loads a TFJS layers model (tfjs-layers) from an IOHandler, with the two custom layers
// that @upscalerjs/esrgan-thick's model.json names: MultiplyBeta (x·0.2) and PixelShuffle{2,3,4,8}x
// (tf.depthToSpace, NHWC). Written from the layer names and their documented behaviour.
import * as tf from '@tensorflow/tfjs-core';
import { layers, loadLayersModel } from '@tensorflow/tfjs-layers';
const { serialization } = tf;

const first = (x) => (Array.isArray(x) ? x[0] : x);

class MultiplyBeta extends layers.Layer {
  constructor(cfg) { super(cfg); this.beta = (cfg && cfg.beta) || 0.2; }
  call(x) { return tf.mul(first(x), 0.2); }
  static get className() { return 'MultiplyBeta'; }
}
serialization.registerClass(MultiplyBeta);

for (const scale of [2, 3, 4, 8]) {
  const PixelShuffle = class extends layers.Layer {
    computeOutputShape(s) { return [s[0], s[1] === null ? null : s[1] * scale, s[2] === null ? null : s[2] * scale, 3]; }
    call(x) { return tf.depthToSpace(first(x), scale, 'NHWC'); }
    static get className() { return `PixelShuffle${scale}x`; }
  };
  serialization.registerClass(PixelShuffle);
}

export async function loadLayers(handler) {
  const m = await loadLayersModel(handler);
  return { execute: (x) => m.predict(x) };
}

// Exercise 3 (the bottleneck block) and exercise 2 (ResNet-50/101/152 from Table 1 of the ResNet paper).
// Images are NHWC ([batch, height, width, channels]). Build models from TF.js's built-in layers only,
// with the functional API (tf.input, layer.apply, tf.layers.add, tf.model); a tf.sequential or tf.model of
// them applied like a layer counts as its layers. The grader calls exactly:
//
//   bottleneck(x, numChannels, { strides = 1, use1x1conv = false })
//     1×1 conv (numChannels) → BN → ReLU → 3×3 conv (numChannels) → BN → ReLU → 1×1 conv (4·numChannels) → BN,
//     plus the shortcut (a 1×1 conv with the block's stride when use1x1conv), then ReLU.
//     The stride may sit on the first 1×1 (original paper) or on the 3×3 (torchvision's "v1.5"): both are right.
//   bottleneckResnet(depth: 50 | 101 | 152, { inputShape = [96, 96, 1], numClasses = 10 })
//     The chapter's stem (7×7/2 conv → BN → ReLU → 3×3/2 max-pool), four stages of bottleneck blocks
//     ([3,4,6,3], [3,4,23,3], [3,8,36,3]; widths 64, 128, 256, 512), global average pool, dense.
//
// Convolution bias may stay on (the chapter's default) or be turned off: the grader accepts both.
import * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

// BEGIN SOLUTION
type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1): T =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bn = (x: T): T => tf.layers.batchNormalization().apply(x) as T;
const relu = (x: T): T => tf.layers.reLU().apply(x) as T;
const STAGES: Record<number, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };
// END SOLUTION

export function bottleneck(x: tf.SymbolicTensor, numChannels: number, options: BlockOptions = {}): tf.SymbolicTensor {
  // BEGIN SOLUTION
  const { strides = 1, use1x1conv = false } = options;
  // Stride on the 3×3, as torchvision does: the first 1×1 then sees every pixel.
  let y = relu(bn(conv(x, numChannels, 1)));
  y = relu(bn(conv(y, numChannels, 3, strides)));
  y = bn(conv(y, 4 * numChannels, 1));
  const shortcut = use1x1conv ? conv(x, 4 * numChannels, 1, strides) : x;
  return relu(tf.layers.add().apply([y, shortcut]) as T);
  // END SOLUTION
}

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  // BEGIN SOLUTION
  const stages = STAGES[depth];
  if (stages === undefined) throw new Error(`bottleneckResnet: depth must be 50, 101 or 152, got ${depth}`);
  const { inputShape = [96, 96, 1], numClasses = 10 } = options;
  const input = tf.input({ shape: inputShape });
  let x = relu(bn(conv(input, 64, 7, 2)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  stages.forEach((numBlocks, i) => {
    for (let j = 0; j < numBlocks; j++) {
      // Block 1 of every stage changes the channels (64 → 256 in stage 1), so it always projects.
      x = bottleneck(x, 64 * 2 ** i, j === 0 ? { use1x1conv: true, strides: i === 0 ? 1 : 2 } : {});
    }
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  const output = tf.layers.dense({ units: numClasses }).apply(x) as T;
  return tf.model({ inputs: input, outputs: output, name: `resnet${depth}` });
  // END SOLUTION
}

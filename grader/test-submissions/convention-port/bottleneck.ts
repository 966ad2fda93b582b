// Correct, a line-by-line port of PyTorch code (the chapter's d2l.Residual style): padding=1 written as
// ZeroPadding2D(1) before a 'valid' 3×3 conv, the stem's padding=3 and the max-pool's padding=1 the same
// way, 1×1 convs with padding 0 ('valid'), PyTorch's BN settings (eps 1e-5, momentum 0.1) and F.relu as
// tf.layers.reLU(). Same function, same shapes, same counts as the 'same'-padded block.
import * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

type T = tf.SymbolicTensor;
/** nn.Conv2d(out, kernel_size, stride, padding): explicit zero-padding, then a 'valid' convolution. */
function Conv2d(x: T, filters: number, kernelSize: number, stride = 1, padding = 0): T {
  const padded = padding > 0 ? (tf.layers.zeroPadding2d({ padding }).apply(x) as T) : x;
  return tf.layers.conv2d({ filters, kernelSize, strides: stride, padding: 'valid' }).apply(padded) as T;
}
const BatchNorm2d = (x: T): T => tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.1 }).apply(x) as T;
const relu = (x: T): T => tf.layers.reLU().apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: BlockOptions = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  let Y = relu(BatchNorm2d(Conv2d(x, numChannels, 1)));
  Y = relu(BatchNorm2d(Conv2d(Y, numChannels, 3, strides, 1)));
  Y = BatchNorm2d(Conv2d(Y, 4 * numChannels, 1));
  const X = use1x1conv ? Conv2d(x, 4 * numChannels, 1, strides) : x;
  return relu(tf.layers.add().apply([Y, X]) as T);
}

const ARCH: Record<50 | 101 | 152, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  // b1: nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), BN, ReLU, nn.MaxPool2d(3, stride=2, padding=1)
  let x = relu(BatchNorm2d(Conv2d(input, 64, 7, 2, 3)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(tf.layers.zeroPadding2d({ padding: 1 }).apply(x)) as T;
  ARCH[depth].forEach((numResiduals, i) => {
    for (let j = 0; j < numResiduals; j++)
      x = bottleneck(x, 64 * 2 ** i, j === 0 ? { use1x1conv: true, strides: i === 0 ? 1 : 2 } : {});
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}

// Correct, a line-by-line port of PyTorch pre-activation code: ZeroPadding2D(1) + 'valid' 3×3 convs, the
// stem's padding=3 and the max-pool's padding=1 written the same way, PyTorch's BN settings (eps 1e-5,
// momentum 0.1), F.relu as activation('relu'), and the head as AdaptiveAvgPool2d((1, 1)) + Flatten: an
// average pool over the whole feature map, then a flatten.
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
function Conv2d(x: T, filters: number, kernelSize: number, stride = 1, padding = 0): T {
  const padded = padding > 0 ? (tf.layers.zeroPadding2d({ padding }).apply(x) as T) : x;
  return tf.layers.conv2d({ filters, kernelSize, strides: stride, padding: 'valid' }).apply(padded) as T;
}
const BatchNorm2d = (x: T): T => tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.1 }).apply(x) as T;
const relu = (x: T): T => tf.layers.activation({ activation: 'relu' }).apply(x) as T;

export function preactResidual(x: T, numChannels: number, options: BlockOptions = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  let Y = Conv2d(relu(BatchNorm2d(x)), numChannels, 3, strides, 1);
  Y = Conv2d(relu(BatchNorm2d(Y)), numChannels, 3, 1, 1);
  const X = use1x1conv ? Conv2d(x, numChannels, 1, strides) : x;
  return tf.layers.add().apply([Y, X]) as T;
}

export function preactResnet18(options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = relu(BatchNorm2d(Conv2d(input, 64, 7, 2, 3)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(tf.layers.zeroPadding2d({ padding: 1 }).apply(x)) as T;
  [64, 128, 256, 512].forEach((numChannels, i) => {
    x = preactResidual(x, numChannels, i === 0 ? {} : { use1x1conv: true, strides: 2 });
    x = preactResidual(x, numChannels);
  });
  x = relu(BatchNorm2d(x));
  const [, h, w] = x.shape as number[];
  x = tf.layers.averagePooling2d({ poolSize: [h as number, w as number] }).apply(x) as T;
  x = tf.layers.flatten().apply(x) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}

// The conventions a ResNet is written in. A preset is plain data: the one skeleton (skeleton.ts) and its
// blocks read it and never branch on its name, so another convention is one more row. The three
// published ones below are the source of the anchors' numbers; the grader's accepted conventions for
// the exercises (assignments/resnet/instructor/variants.ts) are presets too.

export type PresetName = 'd2l' | 'torchvision' | 'keras';
export const PRESET_NAMES: readonly PresetName[] = ['d2l', 'torchvision', 'keras'];

/** Where a convolution gets a bias: everywhere, nowhere, or only where no BatchNorm follows it (Keras ResNetV2). */
export type BiasRule = 'always' | 'never' | 'unless-bn';

/** Where ZeroPadding2D layers stand in front of 'valid' convolutions and the stem's pool, instead of 'same'. */
export type ZeroPadding = 'none' | 'strided' | 'every';

export interface Preset {
  /** For messages and summaries. */
  name: string;
  /** Bias rule for the plain (post-activation) family and the stem. */
  convBias: BiasRule;
  /** Bias rule for the pre-activation family. */
  preactConvBias: BiasRule;
  /** A BatchNorm after the 1×1 projection shortcut (post-activation family only). */
  bnOnProjection: boolean;
  bnEpsilon: number;
  /** TF.js/Keras meaning: the weight kept by the moving average (PyTorch's 0.1 is 0.9 here). */
  bnMomentum: number;
  inputShape: [number, number, number];
  numClasses: number;
  /** The paper strides the first 1×1 of a bottleneck; torchvision ("v1.5") strides the 3×3. */
  bottleneckStride: 'first-1x1' | '3x3';
  /** Keras gives block 1 of every stack a conv shortcut, even when shapes already agree. */
  alwaysProjectFirstBlock: boolean;
  /**
   * 'strided': zero-pad symmetrically before strided convolutions and the stem's pool, like PyTorch and
   * Keras (TF.js 'same' pads bottom/right only at stride 2); 'every': before every k×k convolution and the
   * pool, as a line-by-line port of `padding=k//2` writes it; 'none': 'same' throughout.
   */
  zeroPadding: ZeroPadding;
  /** How a ReLU is written: `tf.layers.activation({ activation: 'relu' })` or `tf.layers.reLU()`. */
  relu: 'activation' | 'layer';
  /**
   * Pre-activation blocks: what the 1×1 projection shortcut reads, the pre-activated input (He et al.'s
   * code, Keras ResNetV2: BN → ReLU shared before the fork) or x itself.
   */
  preactProjectionInput: 'pre-activated' | 'x';
  /** Pre-activation nets: BN → ReLU after the stem conv (He et al.'s code) or not (Keras ResNetV2). */
  preactStemNorm: boolean;
  /** Pre-activation nets: downsample in the last block of a stage (Keras ResNetV2) instead of the first. */
  preactStrideOnLastBlock: boolean;
  /** Layer names: the chapter's stage names or Keras Applications' (conv2_block1_1_conv, ...). */
  naming: 'stages' | 'keras';
  /**
   * What conv and dense kernels start from; the layers' default (Glorot uniform) when absent.
   * 'zeros' skips millions of random draws where only the structure matters (counting).
   */
  kernelInitializer?: 'zeros';
}

export const PRESETS: Record<PresetName, Preset> = {
  // The chapter in TF.js: layers' defaults (conv bias, BN eps 1e-3), no BN on the 1×1 shortcut.
  d2l: {
    name: 'd2l',
    convBias: 'always',
    preactConvBias: 'always',
    bnOnProjection: false,
    bnEpsilon: 1e-3,
    bnMomentum: 0.99,
    inputShape: [96, 96, 1],
    numClasses: 10,
    bottleneckStride: '3x3',
    alwaysProjectFirstBlock: false,
    zeroPadding: 'none',
    relu: 'activation',
    preactProjectionInput: 'pre-activated',
    preactStemNorm: true,
    preactStrideOnLastBlock: false,
    naming: 'stages',
  },
  torchvision: {
    name: 'torchvision',
    convBias: 'never',
    preactConvBias: 'never',
    bnOnProjection: true,
    bnEpsilon: 1e-5,
    bnMomentum: 0.9,
    inputShape: [224, 224, 3],
    numClasses: 1000,
    bottleneckStride: '3x3',
    alwaysProjectFirstBlock: false,
    zeroPadding: 'strided',
    relu: 'activation',
    preactProjectionInput: 'pre-activated',
    preactStemNorm: true,
    preactStrideOnLastBlock: false,
    naming: 'stages',
  },
  keras: {
    name: 'keras',
    convBias: 'always',
    preactConvBias: 'unless-bn',
    bnOnProjection: true,
    bnEpsilon: 1.001e-5,
    bnMomentum: 0.99,
    inputShape: [224, 224, 3],
    numClasses: 1000,
    bottleneckStride: 'first-1x1',
    alwaysProjectFirstBlock: true,
    zeroPadding: 'strided',
    relu: 'activation',
    preactProjectionInput: 'pre-activated',
    preactStemNorm: false,
    preactStrideOnLastBlock: true,
    naming: 'keras',
  },
};

/** One of the published presets by name (the command line's --preset). */
export function getPreset(name: string): Preset {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown preset '${name}'; use one of: ${PRESET_NAMES.join(', ')}`);
  }
  return PRESETS[name as PresetName];
}

/** Whether a conv gets a bias under `rule`, given whether a BatchNorm follows it. */
export function hasBias(rule: BiasRule, followedByBn: boolean): boolean {
  return rule === 'always' || (rule === 'unless-bn' && !followedByBn);
}

// The three conventions the published ResNet numbers come from. A preset is plain data: the
// builders read it and never branch on its name, so a fourth convention is one more row.

export type PresetName = 'd2l' | 'torchvision' | 'keras';
export const PRESET_NAMES: readonly PresetName[] = ['d2l', 'torchvision', 'keras'];

/** Where a convolution gets a bias: everywhere, nowhere, or only where no BatchNorm follows it (Keras ResNetV2). */
export type BiasRule = 'always' | 'never' | 'unless-bn';

export interface Preset {
  name: PresetName;
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
  /** Zero-pad symmetrically like PyTorch/Keras; TF.js 'same' pads bottom/right only at stride 2. */
  explicitPadding: boolean;
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
    explicitPadding: false,
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
    explicitPadding: true,
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
    explicitPadding: true,
    preactStemNorm: false,
    preactStrideOnLastBlock: true,
    naming: 'keras',
  },
};

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

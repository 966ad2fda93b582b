// @course/resnet: one ResNet skeleton (skeleton.ts) and its blocks: the chapter's ResNet, the Table-1
// family and the pre-activation family, under the d2l, torchvision and keras presets (or any other).
export * from './arch-summary.ts';
export * from './archs.ts';
export * from './chapter.ts';
export type { T } from './layers.ts';
export * from './preact-resnet.ts';
export * from './presets.ts';
export * from './resnet.ts';
export * from './skeleton.ts';

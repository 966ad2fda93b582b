// Hostile: imports the reference solution instead of writing the block.
export { bottleneck, bottleneckResnet } from '../../../packages/resnet/src/solution/bottleneck.ts';

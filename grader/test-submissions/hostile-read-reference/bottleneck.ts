// Hostile: imports the reference solution instead of writing the block.
export { bottleneck, bottleneckResnet } from '../../../assignments/resnet/instructor/solution/bottleneck.ts';

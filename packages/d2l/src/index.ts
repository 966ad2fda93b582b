// The d2l core: everything the course's packages and the grader share.
export * from './accumulator.ts';
export * from './animator.ts';
export * from './atomic-write.ts';
export * from './backend.ts';
export * from './cpu-kernels.ts';
export * from './fashion-mnist.ts';
export * from './fashion-mnist-files.ts';
export * from './idx.ts';
export * from './model-io.ts';
export * from './random.ts';
export * from './summary.ts';
export * from './timer.ts';
export * from './train.ts';

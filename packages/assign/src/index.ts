// The authoring step's public surface: what `pnpm assign` writes, and the pieces the release tool reuses.
export { authoredFiles, main } from './cli.ts';
export { type Convention, expectedFiles, serialize } from './expected.ts';
export { expectedHandout, handoutPath, renderHandout } from './handout.ts';
export { buildCase, loadReference } from './reference.ts';
export { BEGIN, END, expectedStubs, findRegions, makeStub, solutionLines } from './stubs.ts';

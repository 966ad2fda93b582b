// Other ways of writing the lab that must grade exactly as the reference does: the authoring step
// (`pnpm assign resnet-chapter`) builds every case with each of these too and stops, naming the
// convention, if its canonical form differs from the reference's. They are the fixtures that score
// full marks, so the grading test and this cross-check exercise the same files.
import * as explicitPadding from './fixtures/alt-explicit-padding/resnet.ts';
import * as torchvision from './fixtures/alt-torchvision/resnet.ts';

export const CONVENTIONS = [
  { name: 'torchvision: no conv bias, BN on the 1x1 projection', module: torchvision },
  { name: "a literal port of MXNet's padding => p: zeroPadding2d, then 'valid'", module: explicitPadding },
];

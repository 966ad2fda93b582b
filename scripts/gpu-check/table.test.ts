import { describe, expect, it } from 'vitest';
import { formatTable, summarizeNumerics } from './table.ts';

describe('summarizeNumerics', () => {
  it('reports the worst error and whether it is within tolerance', () => {
    const ok = [
      { name: 'a', error: 2e-7 },
      { name: 'b', error: 5e-6 },
    ];
    expect(summarizeNumerics(ok, 1e-4)).toBe('5.0e-6 ok');
    expect(summarizeNumerics(ok, 1e-6)).toBe('5.0e-6 HIGH (b)');
  });

  it('says how many cases could not run, with the first reason', () => {
    const results = [
      { name: 'a', problem: "Kernel 'Conv2DBackpropFilter' not registered" },
      { name: 'b', error: 0 },
    ];
    expect(summarizeNumerics(results, 1e-3)).toBe('1/2 cases failed (no Conv2DBackpropFilter kernel)');
    expect(summarizeNumerics([{ name: 'a', problem: 'device lost' }], 1e-3)).toBe('1/1 cases failed (device lost)');
  });
});

describe('formatTable', () => {
  it('aligns the short columns and keeps the device text last', () => {
    const lines = formatTable([
      { backend: 'wasm', device: 'cpu (wasm)', numerics: '3.8e-7 ok', imagesPerSec: 12.345 },
      { backend: 'tensorflow', device: 'n/a (not installed)' },
      { backend: 'webgpu', device: 'gpu:0 (webgpu)', numerics: '1.0e-6 ok', note: 'out of memory' },
    ]);
    expect(lines).toEqual([
      'backend     img/s  grad err vs cpu  device',
      'wasm        12.3   3.8e-7 ok        cpu (wasm)',
      'tensorflow  —      —                n/a (not installed)',
      'webgpu      —      1.0e-6 ok        gpu:0 (webgpu); training: out of memory',
    ]);
  });
});

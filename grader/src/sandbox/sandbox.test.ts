// The sandbox's building blocks: the import policy, the network namespace, and the topology whitelist.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TopologyError, validateTopology } from '../topology.ts';
import { forbiddenReason } from './bundle.ts';
import { networkIsolation } from './spawn.ts';

const run = promisify(execFile);

describe('import policy', () => {
  it('allows TF.js and the submission’s own files, and refuses everything else with the reason', () => {
    expect(forbiddenReason('@tensorflow/tfjs', undefined, '/sub')).toBeUndefined();
    expect(forbiddenReason('./helpers.ts', '/sub/helpers.ts', '/sub')).toBeUndefined();
    expect(forbiddenReason('../solution/bottleneck.ts', '/solution/bottleneck.ts', '/sub')).toMatch(
      /outside the submission/,
    );
    for (const builtin of ['node:child_process', 'net', 'fs', 'node:worker_threads', 'dgram', 'https']) {
      expect(forbiddenReason(builtin, undefined, '/sub'), builtin).toMatch(/built-in module/);
    }
    expect(forbiddenReason('@course/resnet/solution/bottleneck', undefined, '/sub')).toMatch(/only @tensorflow\/tfjs/);
  });
});

describe('network namespace', () => {
  const net = networkIsolation();
  it.skipIf(!net.isolate)('keeps a child from reaching even the loopback of the grader’s namespace', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {}); // the probe exits at once; a reset is expected
      socket.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const probe = `require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
    try {
      const inside = await run('/usr/bin/unshare', ['--net', '--', process.execPath, '-e', probe], { timeout: 10_000 });
      const outside = await run(process.execPath, ['-e', probe], { timeout: 10_000 });
      expect(outside.stdout.trim()).toBe('CONNECTED');
      expect(inside.stdout.trim()).not.toBe('CONNECTED');
    } finally {
      server.close();
    }
  });

  it('says why when the network is not isolated', () => {
    expect(net.description).toMatch(net.isolate ? /^isolated/ : /^not isolated \(.+\)$/);
  });
});

describe('topology whitelist', () => {
  it('accepts a functional model of built-in layers and refuses Sequential models and custom classes', () => {
    const input = tf.input({ shape: [4] });
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor });
    const json = model.toJSON(null, false) as { config: { layers: Array<{ class_name: string; name: string }> } };
    expect(() => validateTopology(json)).not.toThrow();
    const custom = structuredClone(json);
    (custom.config.layers[1] as { class_name: string }).class_name = 'Backdoor';
    expect(() => validateTopology(custom)).toThrow(TopologyError);
    expect(() => validateTopology(custom)).toThrow(/class 'Backdoor'.*not a TF\.js built-in layer/);
    const seq = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
    expect(() => validateTopology(seq.toJSON(null, false))).toThrow(/functional API/);
    expect(() => validateTopology('{"class_name":"Model"}')).toThrow(TopologyError);
  });
});

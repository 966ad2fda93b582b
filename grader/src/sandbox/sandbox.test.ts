// The sandbox's building blocks: the import policy, the network namespace, and the topology whitelist.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TopologyError, validateTopology } from '@course/core';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { forbiddenReason } from './bundle.ts';
import type { BuildItem } from './protocol.ts';
import { networkIsolation, runSandboxed } from './spawn.ts';

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
  it('accepts functional and sequential models of built-in layers, and refuses custom classes', () => {
    const input = tf.input({ shape: [4] });
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor });
    const json = model.toJSON(null, false) as { config: { layers: Array<{ class_name: string; name: string }> } };
    expect(() => validateTopology(json)).not.toThrow();
    const custom = structuredClone(json);
    (custom.config.layers[1] as { class_name: string }).class_name = 'Backdoor';
    expect(() => validateTopology(custom)).toThrow(TopologyError);
    expect(() => validateTopology(custom)).toThrow(/class 'Backdoor'.*not a TF\.js built-in layer/);
    const seq = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
    // A tf.sequential (here the whole model) is a built-in: its layers are graded (flat-topology.test.ts).
    expect(validateTopology(seq.toJSON(null, false)).config.layers.map((l) => l.class_name)).toEqual([
      'InputLayer',
      'Dense',
    ]);
    expect(() => validateTopology('{"class_name":"Model"}')).toThrow(TopologyError);
  });
});

describe('reply protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'protocol-'));
  const items = ['a', 'b'].map((key) => ({
    key,
    kind: 'block',
    fn: 'f',
    inputShape: [2],
    numChannels: 1,
    options: {},
  }));
  const built = (key: string) =>
    `JSON.stringify({ type: 'built', key: ${JSON.stringify(key)}, topology: { class_name: 'Model' } })`;
  /** Run a hand-written child (plain CommonJS) as if it were a bundle; a long time limit, so a hang fails the test. */
  const runtime = join(dir, 'runtime.cjs');
  writeFileSync(runtime, '');
  const child = (name: string, source: string) => {
    const file = join(dir, `${name}.cjs`);
    writeFileSync(file, `process.on('message', () => {});\n${source}\n`);
    return runSandboxed({ file, runtime }, items as unknown as BuildItem[], { timeoutMs: 600_000 });
  };
  const summary = (run: Awaited<ReturnType<typeof runSandboxed>>) =>
    [...run.outcomes].map(([key, o]) => [key, o.ok ? 'built' : `${o.reason}: ${o.message}`]);

  it('ends a child once every key asked has its one reply, whatever it sends or does after', async () => {
    const run = await child(
      'then-more',
      `process.send(${built('a')}); process.send(${built('b')}); process.send(${built('a')}); process.send('junk'); setInterval(() => {}, 1000);`,
    );
    expect(summary(run)).toEqual([
      ['a', 'built'],
      ['b', 'built'],
    ]);
  });

  it('treats a second reply, an unknown key, a malformed reply or a late load failure as a violation of the whole file', async () => {
    const cases = {
      second: [`process.send(${built('a')}); process.send(${built('a')});`, /a second reply for "a"/],
      unknown: [`process.send(${built('zzz')});`, /a reply for "zzz", which the grader did not ask for/],
      malformed: [`process.send(JSON.stringify({ type: 'built', key: 'a' }));`, /a malformed reply/],
      object: [`process.send({ type: 'built', key: 'a', topology: {} });`, /a message that is not a JSON string/],
      late: [
        `process.send(${built('a')}); process.send(JSON.stringify({ type: 'load-failed', message: 'x', frames: [] }));`,
        /a load failure after replies/,
      ],
    } as const;
    for (const [name, [source, why]] of Object.entries(cases)) {
      const run = await child(name, `${source} setInterval(() => {}, 1000);`);
      for (const key of ['a', 'b']) {
        const o = run.outcomes.get(key);
        expect(o?.ok, `${name} ${key}`).toBe(false);
        if (o && !o.ok) {
          expect(o.message, name).toMatch(/^protocol violation: the child process sent /);
          expect(o.message, name).toMatch(why);
        }
      }
    }
  });

  it('keeps the replies of a child that ends early, and says the rest never came', async () => {
    const run = await child('early', `process.send(${built('a')}, () => process.exit(0));`);
    expect(summary(run)).toEqual([
      ['a', 'built'],
      ['b', expect.stringMatching(/^crashed: the child process ended \(exit code 0\) before returning a model/)],
    ]);
  });
});

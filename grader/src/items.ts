// Which models each check needs the child to build, keyed so that checks sharing a case share one build.
// Function names, arguments and the training network all come from the assignment's manifest.
import type { BlockCase, CaseArg, CheckExpectation, ManifestCheck, ManifestFunction, NetCase } from '@course/core';
import type { BuildItem } from './sandbox/protocol.ts';

export function blockKey(fn: string, k: BlockCase): string {
  return `${fn}|${k.input.join('x')}|${JSON.stringify(k.args)}`;
}

export function netKey(fn: string, k: NetCase): string {
  return `${fn}|${JSON.stringify(k.args)}`;
}

export function trainKey(fn: string): string {
  return `${fn}|train`;
}

/** An argument as a student writes it: `{ strides: 2, use1x1conv: true }`, `[64, 64, 3]`, `'same'`. */
function showArg(v: CaseArg): string {
  if (Array.isArray(v)) return `[${v.map(showArg).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([key, x]) => `${key}: ${showArg(x)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** How a case reads in a message: bottleneck(x: [6,6,3], 6, { strides: 2, use1x1conv: true }). */
export function describeBlockCase(fn: string, k: BlockCase): string {
  return `${fn}(${[`x: [${k.input.join(',')}]`, ...k.args.map(showArg)].join(', ')})`;
}

export function describeNetCase(fn: string, k: NetCase): string {
  return `${fn}(${k.args.map(showArg).join(', ')})`;
}

/** The build items one check needs. */
export function itemsFor(
  check: Pick<ManifestCheck, 'target' | 'net'>,
  fn: ManifestFunction,
  expected: CheckExpectation,
  inputShape: number[] = [28, 28, 1],
): BuildItem[] {
  const name = check.target;
  const block = (k: BlockCase): BuildItem => ({
    key: blockKey(name, k),
    kind: 'block',
    fn: name,
    input: k.input,
    args: k.args,
  });
  const net = (k: NetCase): BuildItem => ({ key: netKey(name, k), kind: 'network', fn: name, args: k.args });
  const wrong = () =>
    new Error(`${name} is a ${fn.kind} function; expected data of kind ${expected.kind} does not fit it`);
  switch (expected.kind) {
    case 'block-builds':
    case 'block-shapes':
    case 'block-params':
    case 'block-structure':
      if (fn.kind !== 'block') throw wrong();
      return expected.cases.map(block);
    case 'block-identity':
      if (fn.kind !== 'block') throw wrong();
      return [block(expected.case)];
    case 'net-builds':
    case 'net-shapes':
    case 'net-params':
    case 'net-structure':
      if (fn.kind !== 'network') throw wrong();
      return expected.cases.map(net);
    case 'typecheck':
      // It reads the compiler's diagnostics of the target's file; nothing is built for it.
      return [];
    case 'training':
      if (fn.kind !== 'block' || !check.net) throw wrong();
      return [{ key: trainKey(name), kind: 'trainnet', fn: name, input: inputShape, net: check.net }];
  }
}

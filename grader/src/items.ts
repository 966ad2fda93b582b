// Which models each check needs the child to build, keyed so that checks sharing a case share one build.
import type { BlockCase, CheckExpectation, NetCase } from './expected.ts';
import type { TargetFn } from './manifest.ts';
import type { BuildItem } from './sandbox/protocol.ts';

export function blockKey(fn: string, k: BlockCase): string {
  return `${fn}|${k.inputShape.join('x')}|${k.numChannels}|s${k.options.strides ?? 1}|${k.options.use1x1conv ? 'proj' : 'id'}`;
}

export function netKey(fn: string, k: NetCase): string {
  const o = k.options;
  return `${fn}|${k.depth ?? ''}|${o.inputShape?.join('x') ?? 'default'}|${o.numClasses ?? 'default'}`;
}

export function isNetKey(key: string): boolean {
  return key.startsWith('bottleneckResnet|') || key.startsWith('preactResnet18|');
}

export function trainKey(fn: string): string {
  return `${fn}|train`;
}

/** How a case reads in a message: bottleneck(x: [6,6,3], 6, { strides: 2, use1x1conv: true }). */
export function describeBlockCase(fn: string, k: BlockCase): string {
  const opts = Object.entries(k.options)
    .map(([key, v]) => `${key}: ${v}`)
    .join(', ');
  return `${fn}(x: [${k.inputShape.join(',')}], ${k.numChannels}${opts ? `, { ${opts} }` : ''})`;
}

export function describeNetCase(fn: string, k: NetCase): string {
  const args = [
    k.depth,
    Object.keys(k.options).length ? JSON.stringify(k.options).replace(/"/g, '') : undefined,
  ].filter((a) => a !== undefined);
  return `${fn}(${args.join(', ')})`;
}

function blockItem(fn: TargetFn, k: BlockCase): BuildItem {
  if (fn !== 'bottleneck' && fn !== 'preactResidual') throw new Error(`${fn} is not a block function`);
  return {
    key: blockKey(fn, k),
    kind: 'block',
    fn,
    inputShape: k.inputShape,
    numChannels: k.numChannels,
    options: k.options,
  };
}

function netItem(fn: TargetFn, k: NetCase): BuildItem {
  if (fn === 'bottleneckResnet')
    return { key: netKey(fn, k), kind: 'net', fn, depth: k.depth ?? 50, options: k.options };
  if (fn === 'preactResnet18') return { key: netKey(fn, k), kind: 'net', fn, options: k.options };
  throw new Error(`${fn} is not a network function`);
}

/** The build items one check needs. */
export function itemsFor(fn: TargetFn, expected: CheckExpectation, inputShape: number[] = [28, 28, 1]): BuildItem[] {
  switch (expected.kind) {
    case 'block-builds':
    case 'block-shapes':
    case 'block-params':
    case 'block-structure':
      return expected.cases.map((k) => blockItem(fn, k));
    case 'block-identity':
      return [blockItem(fn, expected.case)];
    case 'net-builds':
    case 'net-shapes':
    case 'net-params':
      return expected.cases.map((k) => netItem(fn, k));
    case 'training':
      if (fn !== 'bottleneck' && fn !== 'preactResidual') throw new Error(`${fn} is not a block function`);
      return [{ key: trainKey(fn), kind: 'trainnet', fn, inputShape }];
  }
}

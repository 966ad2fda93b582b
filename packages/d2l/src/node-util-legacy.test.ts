import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { LEGACY_UTIL, restoreLegacyUtil } from './node-util-legacy.ts';

describe('util.is* helpers for tfjs-node on Node ≥ 23', () => {
  it('adds only the helpers a util object lacks, with the old semantics', () => {
    // A stand-in for Node 23's util: isNullOrUndefined and isArray are gone, isDeepStrictEqual stays.
    const fake: Record<string, unknown> = { isDeepStrictEqual: () => true, isString: () => 'kept' };
    const added = restoreLegacyUtil(fake);
    expect(added).toContain('isNullOrUndefined');
    expect(added).toContain('isArray');
    expect(added).not.toContain('isString'); // present: left alone
    expect((fake.isString as () => string)()).toBe('kept');
    const isNullOrUndefined = fake.isNullOrUndefined as (v: unknown) => boolean;
    expect([null, undefined, 0, '', false, {}].map(isNullOrUndefined)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect((fake.isArray as (v: unknown) => boolean)([1])).toBe(true);
    expect(restoreLegacyUtil(fake)).toEqual([]); // idempotent
  });

  it('what tfjs-node calls through require("util") works after the restore, whatever this Node is', () => {
    restoreLegacyUtil();
    const util = createRequire(import.meta.url)('util') as Record<string, (v: unknown) => boolean>;
    for (const name of Object.keys(LEGACY_UTIL)) expect(typeof util[name]).toBe('function');
    expect(util.isNullOrUndefined?.(undefined)).toBe(true);
    expect(util.isArray?.({})).toBe(false);
  });
});

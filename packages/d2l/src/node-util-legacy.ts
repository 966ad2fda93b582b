// tfjs-node 4.22 calls `util.isNullOrUndefined` and `util.isArray`, which Node 23 removed (DEP0044–
// DEP0058 reached end of life): its first op then throws "util_1.isNullOrUndefined is not a function"
// (tfjs issues 8609 and 8746; the fix, tfjs PR 8425, is merged but unreleased). Putting the old helpers
// back on the `util` module object before requiring tfjs-node lets the native TF.js backend run on
// current Node. Only missing helpers are added; ones Node still has are left alone.
import util from 'node:util';

const tag = (v: unknown) => Object.prototype.toString.call(v);

/** The removed helpers, with Node 22's own definitions. */
export const LEGACY_UTIL: Record<string, (v: unknown) => boolean> = {
  isArray: (v) => Array.isArray(v),
  isBoolean: (v) => typeof v === 'boolean',
  isBuffer: (v) => Buffer.isBuffer(v),
  isDate: (v) => tag(v) === '[object Date]',
  isError: (v) => tag(v) === '[object Error]' || v instanceof Error,
  isFunction: (v) => typeof v === 'function',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === 'number',
  isObject: (v) => v !== null && typeof v === 'object',
  isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  isRegExp: (v) => tag(v) === '[object RegExp]',
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
};

/** Add the helpers `target` (Node's util by default) lacks; returns the names added. */
export function restoreLegacyUtil(target: object = util): string[] {
  const added: string[] = [];
  const record = target as Record<string, unknown>;
  for (const [name, fn] of Object.entries(LEGACY_UTIL)) {
    if (typeof record[name] === 'function') continue;
    Object.defineProperty(target, name, { value: fn, writable: true, configurable: true, enumerable: false });
    added.push(name);
  }
  return added;
}

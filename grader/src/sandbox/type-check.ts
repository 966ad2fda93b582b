// Type-checking a submission on a worker thread (diagnostics-worker.ts): started as soon as the files are
// in, it runs while the backend loads and the sandboxed children build, and its result is awaited only when
// the build outcomes are settled. Where no worker can start, the check runs here, as it did before.
import { Worker } from 'node:worker_threads';
import type { TypeDiagnostic } from './diagnostic-text.ts';

type Diagnostics = Map<string, TypeDiagnostic[]>;
type Reply = { id: number; diagnostics?: [string, TypeDiagnostic[]][]; error?: string };

/** Set by the CLI bundle (its banner): the folder of its files, where its own worker entry is. */
const BUNDLE = (globalThis as { __GRADER_BUNDLE__?: string }).__GRADER_BUNDLE__;

interface Checker {
  worker: Worker;
  waiting: Map<number, { resolve: (d: Diagnostics) => void; reject: (e: Error) => void }>;
}

let checker: Checker | undefined;
let nextId = 1;

function typeChecker(): Checker {
  if (checker) return checker;
  const entry = BUNDLE
    ? new URL('diagnostics-worker.mjs', BUNDLE)
    : new URL('./diagnostics-worker.mjs', import.meta.url);
  const c: Checker = { worker: new Worker(entry), waiting: new Map() };
  c.worker.unref(); // an idle type checker never keeps the process alive
  c.worker.on('message', (reply: Reply) => {
    const pending = c.waiting.get(reply.id);
    c.waiting.delete(reply.id);
    if (c.waiting.size === 0) c.worker.unref();
    if (reply.error !== undefined) pending?.reject(new Error(reply.error));
    else pending?.resolve(new Map(reply.diagnostics));
  });
  const gone = (err: Error) => {
    if (checker === c) checker = undefined;
    for (const pending of c.waiting.values()) pending.reject(err);
    c.waiting.clear();
  };
  c.worker.on('error', gone);
  c.worker.on('exit', () => gone(new Error('the type checker thread ended')));
  checker = c;
  return c;
}

async function inProcess(dir: string, files: string[], tsconfig: string | undefined): Promise<Diagnostics> {
  const { typeDiagnostics } = await import('./diagnostics.ts');
  return typeDiagnostics(dir, files, { tsconfig });
}

/**
 * The type errors of `files` in `dir` (diagnostics.ts's typeDiagnostics), computed on the type checker's
 * thread, or on this one when that thread cannot run. The files must stay in place until it resolves.
 */
export function startTypeCheck(dir: string, files: string[], tsconfig?: string): Promise<Diagnostics> {
  if (files.length === 0) return Promise.resolve(new Map());
  let c: Checker;
  try {
    c = typeChecker();
  } catch {
    return inProcess(dir, files, tsconfig);
  }
  const id = nextId++;
  const reply = new Promise<Diagnostics>((resolve, reject) => c.waiting.set(id, { resolve, reject }));
  c.worker.ref(); // a reply is awaited: keep the process alive for it
  c.worker.postMessage({ id, dir, files, tsconfig });
  return reply.catch(() => inProcess(dir, files, tsconfig));
}

/** End the type checker's thread and free its memory (parsed libraries); a later check starts a new one. */
export async function releaseTypeChecker(): Promise<void> {
  const c = checker;
  checker = undefined;
  if (c) await c.worker.terminate();
}

// Worker-thread entry for data-parallel training: load tsx so the TypeScript worker can run both
// under `tsx` and under Vitest (whose transforms do not reach worker threads).
import { register } from 'tsx/esm/api';

register();
await import('./data-parallel-worker.ts');

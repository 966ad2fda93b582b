// Entry of the type checker's thread when the grader runs from its TypeScript sources (tsx): a worker
// thread does not inherit the loader, so it registers tsx itself. The CLI bundle has its own compiled entry.
import { register } from 'tsx/esm/api';

register();
await import('./diagnostics-worker.ts');

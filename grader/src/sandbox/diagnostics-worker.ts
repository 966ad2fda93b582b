// The type checker's thread: diagnostics.ts on requests from type-check.ts, so that the compiler (loading
// it, parsing the libraries, checking) runs beside the rest of a grading instead of before it. Parsed
// library files stay cached here between requests, as they do in-process.
import { parentPort } from 'node:worker_threads';
import { typeDiagnostics } from './diagnostics.ts';

export interface TypeCheckRequest {
  id: number;
  dir: string;
  files: string[];
  tsconfig?: string;
}

parentPort?.on('message', (request: TypeCheckRequest) => {
  try {
    const found = typeDiagnostics(request.dir, request.files, { tsconfig: request.tsconfig });
    parentPort?.postMessage({ id: request.id, diagnostics: [...found] });
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
  }
});

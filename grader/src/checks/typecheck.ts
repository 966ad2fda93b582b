// The type-check check: for an instructor who wants types to count, with its own points in the manifest.
// Every other check grades what the student's code builds and runs, whatever its types (the report lists
// each type error once); this one passes when the target function has none: no error inside it, in a private
// helper it uses, or at the top level of its file (sandbox/diagnostics.ts decides which functions own one).
import type { CheckRunner } from './context.ts';

export const typecheckCheck: CheckRunner = (check, expected, ctx) => {
  if (expected.kind !== 'typecheck') throw new Error(`check ${check.id}: expected data of kind ${expected.kind}`);
  const types = ctx.types(check.target);
  if (!types.ok) return { status: types.status, fraction: 0, message: types.message };
  const own = types.errors.filter((d) => !d.functions || d.functions.includes(check.target));
  if (own.length === 0) return { status: 'passed', fraction: 1, message: `${check.target} type-checks without errors` };
  const places = own.map((d) => `${d.file}:${d.line}:${d.column}`);
  const shown =
    places.length > 5 ? `${places.slice(0, 5).join(', ')} and ${places.length - 5} more` : places.join(', ');
  return {
    status: 'failed',
    fraction: 0,
    message: `${own.length} type error${own.length > 1 ? 's' : ''} in ${check.target} (${shown}), listed under Type errors`,
  };
};

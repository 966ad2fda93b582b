// `pnpm bench [--json] [--only NAME] [--out FILE]`: runs every scripts/bench/*.ts that exports
// `run()` and prints each result as a table (or, with --json, one JSON object). Not part of the tests.
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

type Row = Record<string, string | number>;
interface BenchResult {
  name: string;
  rows: Row[];
  notes?: string[];
}
type BenchModule = { run?: (opts: { json: boolean }) => Promise<BenchResult> };

export const USAGE = 'usage: pnpm bench [--json] [--only NAME] [--out FILE]';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'bench');

export function table(rows: Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(cols), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  let values: { json?: boolean; only?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean' },
        only: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}; ${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();
  if (values.only && !names.includes(values.only)) {
    throw new Error(`no bench module '${values.only}'; choose one of: ${names.join(', ')}`);
  }
  const results: Record<string, BenchResult | { error: string }> = {};
  for (const name of values.only ? [values.only] : names) {
    const mod = (await import(pathToFileURL(join(DIR, `${name}.ts`)).href)) as BenchModule;
    if (typeof mod.run !== 'function') continue;
    if (!values.json) process.stderr.write(`bench ${name}: running…\n`);
    try {
      const result = await mod.run({ json: Boolean(values.json) });
      results[name] = result;
      if (!values.json) {
        console.log(`\n## ${result.name}\n\n${table(result.rows)}`);
        for (const note of result.notes ?? []) console.log(`- ${note}`);
      }
    } catch (err) {
      const message = ((err as Error).message ?? String(err)).split('\n')[0] ?? '';
      results[name] = { error: message };
      if (!values.json) console.log(`\n## ${name}\n\nfailed: ${message}`);
    }
  }
  const report = { date: new Date().toISOString(), node: process.version, results };
  if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) console.log(JSON.stringify(report, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

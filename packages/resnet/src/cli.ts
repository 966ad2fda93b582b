// `pnpm resnet summary …` and `pnpm train …` (= `pnpm resnet train …`). Bad input ends in one
// line on stderr that says what to do, never a stack trace.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { releaseBackend } from '@course/d2l'; // also TF.js production mode: no "install our node backend" banner
import { archSummary, archSummaryJson, formatArchSummary } from './arch-summary.ts';
import { ARCH_NAMES } from './archs.ts';
import { getPreset, PRESET_NAMES } from './presets.ts';
import { besideEachOther, loadSubmissionNetwork, networkOutline, referenceOutline } from './submission.ts';

export const USAGE = `usage:
  pnpm resnet summary --arch NAME [--preset ${PRESET_NAMES.join('|')}] [--input H,W,C] [--classes N] [--json]
  pnpm resnet summary --submission FILE [--fn NAME] [--depth 50|101|152] [--input H,W,C] [--classes N]
  pnpm train [--epochs N] [--lr X] [--batch-size N] [--resize N] [--subset embedded|full|N,M] [--backend B] [--out DIR]
             [--submission FILE [--fn NAME] [--depth 50|101|152]]   # train your own network
architectures: ${ARCH_NAMES.join(', ')}`;

export function parseInts(flag: string, text: string, count: number): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length !== count || nums.some((n) => !Number.isInteger(n) || n <= 0)) {
    const want = count === 1 ? 'a positive integer' : `${count} positive integers separated by commas`;
    throw new Error(`--${flag} wants ${want}, got '${text}'`);
  }
  return nums;
}

export function summaryCommand(args: string[]): string {
  const { values } = parseArgs({
    args,
    options: {
      arch: { type: 'string' },
      preset: { type: 'string', default: 'd2l' },
      input: { type: 'string' },
      classes: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.arch === undefined) throw new Error(`--arch is required; use one of: ${ARCH_NAMES.join(', ')}`);
  const inputShape = values.input === undefined ? undefined : parseInts('input', values.input, 3);
  const numClasses = values.classes === undefined ? undefined : parseInts('classes', values.classes, 1)[0];
  const s = archSummary(values.arch, {
    preset: getPreset(values.preset),
    inputShape: inputShape as [number, number, number] | undefined,
    numClasses,
  });
  return values.json ? JSON.stringify(archSummaryJson(s), null, 2) : formatArchSummary(s);
}

/** `summary --submission FILE`: the student's network outlined beside the reference's (or the expected data). */
export async function submissionSummaryCommand(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      submission: { type: 'string' },
      fn: { type: 'string' },
      depth: { type: 'string' },
      input: { type: 'string' },
      classes: { type: 'string' },
    },
  });
  const file = values.submission as string;
  const inputShape =
    values.input === undefined ? undefined : (parseInts('input', values.input, 3) as [number, number, number]);
  const numClasses = values.classes === undefined ? undefined : parseInts('classes', values.classes, 1)[0];
  const depth = values.depth === undefined ? undefined : parseInts('depth', values.depth, 1)[0];
  const net = await loadSubmissionNetwork(file, { fn: values.fn, depth });
  const model = net.build({ inputShape, numClasses });
  let mine: string[];
  try {
    mine = networkOutline(model);
  } finally {
    model.dispose();
  }
  const reference = referenceOutline(file, net, { inputShape, numClasses });
  return besideEachOther({ title: `your ${net.label}`, lines: mine }, reference);
}

/** A missing exercise (the student release strips the solutions) gets its own explanation. */
export function explain(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0] ?? message;
  if (String((err as { code?: unknown })?.code).startsWith('ERR_PARSE_ARGS')) {
    return `${first}; run \`pnpm resnet --help\` for the flags`;
  }
  if (/not implemented yet/.test(first)) {
    return `${first}: this architecture needs an exercise's solution, which is not part of this release`;
  }
  return first;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) console.log(USAGE);
  else if (command === 'summary' && rest.some((a) => a === '--submission' || a.startsWith('--submission=')))
    console.log(await submissionSummaryCommand(rest));
  else if (command === 'summary') console.log(summaryCommand(rest));
  else if (command === 'train') await (await import('./train-chapter.ts')).trainCommand(rest);
  else if (command === undefined || command === '--help' || command === '-h') console.log(USAGE);
  else throw new Error(`unknown command '${command}'; use 'summary' or 'train'`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main(process.argv.slice(2))
    .catch((err: unknown) => {
      console.error(`resnet: ${explain(err)}`);
      process.exitCode = 1;
    })
    // Dawn keeps Node alive while it holds a GPU device: `pnpm train --backend webgpu` must give it back.
    .finally(releaseBackend);
}

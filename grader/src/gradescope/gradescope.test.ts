import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../grader-version.ts';
import { GradescopeResults } from '../reporters/gradescope.ts';
import { sampleReport } from '../reporters/sample-report.ts';
import { buildGradescopeZip } from './package.ts';

const FAKE_GRADER = new URL('../batch/fixtures/fake-grader.mjs', import.meta.url).pathname;

/** Unix mode of each entry, from the zip's central directory (fflate does not read it back). */
function unixModes(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (view.getUint32(eocd, true) !== 0x06054b50) eocd -= 1;
  const modes = new Map<string, number>();
  let at = view.getUint32(eocd + 16, true);
  for (let i = 0; i < view.getUint16(eocd + 10, true); i += 1) {
    const nameLength = view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    modes.set(name, view.getUint32(at + 38, true) >>> 16);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return modes;
}

describe('Gradescope autograder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradescope-'));
  const zipPath = join(dir, 'autograder.zip');

  it('packs setup.sh and an executable run_autograder at the root, beside the course files', async () => {
    await buildGradescopeZip({ outFile: zipPath, assignment: 'resnet' });
    const zip = new Uint8Array(readFileSync(zipPath));
    const files = unzipSync(zip);
    for (const name of [
      'setup.sh',
      'run_autograder',
      'package.json',
      'pnpm-lock.yaml',
      'grader/src/gradescope/run-autograder.ts',
    ]) {
      expect(files[name], name).toBeDefined();
    }
    expect(Object.keys(files).some((f) => f.includes('node_modules/'))).toBe(false);
    // A course repository holds several assignments; the zip names the one it grades.
    expect(new TextDecoder().decode(files['gradescope-assignment.txt'])).toBe('resnet\n');
    const modes = unixModes(zip);
    expect((modes.get('run_autograder') ?? 0) & 0o111).toBe(0o111);
    expect((modes.get('setup.sh') ?? 0) & 0o111).toBe(0o111);
    writeFileSync(join(dir, 'run_autograder'), files.run_autograder!);
  });

  const template = join(dir, 'template.json');
  writeFileSync(template, JSON.stringify(sampleReport()));

  function runAutograder(
    mode: string | undefined,
    command = [process.execPath, FAKE_GRADER, template, '{submission}'],
    source = REPO_ROOT,
  ) {
    const root = mkdtempSync(join(dir, 'root-'));
    const submission = join(root, 'submission', 'my-repo', 'assignments', 'resnet', 'src');
    mkdirSync(submission, { recursive: true });
    if (mode) {
      writeFileSync(join(submission, 'bottleneck.ts'), '// student code\n');
      writeFileSync(join(submission, 'mode.txt'), mode);
    }
    execFileSync('bash', [join(dir, 'run_autograder')], {
      env: {
        ...process.env,
        AUTOGRADER_ROOT: root,
        AUTOGRADER_SOURCE: source,
        GRADER_COMMAND: JSON.stringify(command),
      },
      stdio: 'ignore',
    });
    return GradescopeResults.parse(JSON.parse(readFileSync(join(root, 'results', 'results.json'), 'utf8')));
  }

  it('writes a full results.json for a good submission found anywhere in the upload', () => {
    const results = runAutograder('good');
    expect(results.score).toBe(sampleReport().score);
    expect(results.tests).toHaveLength(sampleReport().checks.length);
  });

  it('writes a zero-score results.json with the reason when the grader crashes or cannot start', () => {
    const crashed = runAutograder('crash');
    expect(crashed).toMatchObject({ score: 0, tests: [] });
    expect(crashed.output).toContain('simulated crash');
    const missing = runAutograder('good', ['/nonexistent/grader']);
    expect(missing.score).toBe(0);
    expect(missing.output).toContain('could not start the grader');
    const noNode = runAutograder('good', undefined, join(dir, 'no-such-source'));
    expect(noNode.score).toBe(0);
    expect(noNode.output).toContain('could not start');
  });

  it('tells the student what to upload when the submission has no exercise files', () => {
    const empty = runAutograder(undefined);
    expect(empty.score).toBe(0);
    expect(empty.output).toContain('no bottleneck.ts or preact.ts found in the submission: upload these files');
  });
});

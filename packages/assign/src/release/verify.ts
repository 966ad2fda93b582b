// `pnpm release --verify`: the released repository's own CI, run as a student's CI would run it. The
// steps are read from the released files (the GitHub workflows' `run:` steps, the GitLab jobs' scripts,
// `.ci/run`), never restated here, and run in a fresh clone with empty package caches, so that a release
// whose own CI would fail (a lockfile that does not match its package.json files, a test that needs a
// file the release left out, a warm cache) is refused with the failing step named.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface CiStep {
  /** Where the step is written: `.github/workflows/grade-resnet.yml › grade › Install`. */
  source: string;
  command: string;
}

interface GithubWorkflow {
  jobs?: Record<string, { steps?: Array<{ name?: string; run?: string; uses?: string }> }>;
}

/** GitLab's keywords that are not jobs. */
const GITLAB_KEYWORDS = new Set([
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'image',
  'services',
  'cache',
]);

/** Every command the released CI definitions run, in the order a reader finds them. */
export function releasedCiSteps(dir: string): CiStep[] {
  const steps: CiStep[] = [];
  const workflows = join(dir, '.github/workflows');
  if (existsSync(workflows)) {
    for (const file of readdirSync(workflows)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()) {
      const source = `.github/workflows/${file}`;
      const workflow = parse(readFileSync(join(workflows, file), 'utf8')) as GithubWorkflow;
      for (const [job, { steps: jobSteps = [] }] of Object.entries(workflow.jobs ?? {}))
        for (const step of jobSteps)
          if (step.run) steps.push({ source: `${source} › ${job} › ${step.name ?? step.run}`, command: step.run });
    }
  }
  const gitlab = join(dir, '.gitlab-ci.yml');
  if (existsSync(gitlab)) {
    const root = parse(readFileSync(gitlab, 'utf8')) as { include?: Array<{ local?: string }> } & Record<
      string,
      unknown
    >;
    const files = [
      { source: '.gitlab-ci.yml', config: root },
      ...(root.include ?? []).flatMap(({ local }) =>
        local ? [{ source: local.replace(/^\//, ''), config: parse(readFileSync(join(dir, local), 'utf8')) }] : [],
      ),
    ];
    for (const { source, config } of files)
      for (const [job, body] of Object.entries((config ?? {}) as Record<string, unknown>)) {
        if (GITLAB_KEYWORDS.has(job) || job.startsWith('.')) continue;
        const { before_script = [], script = [] } = body as { before_script?: string[]; script?: string[] };
        for (const command of [...before_script, ...script]) steps.push({ source: `${source} › ${job}`, command });
      }
  }
  if (existsSync(join(dir, '.ci/run'))) steps.push({ source: '.ci/run', command: 'bash .ci/run' });
  return steps;
}

/**
 * The environment of a machine that has never installed anything: this process's environment without the
 * package managers' and test runners' variables (a `pnpm test` parent sets dozens), with a HOME whose
 * caches and stores are empty. The machine's own npm settings (~/.npmrc) are kept.
 */
export function freshMachineEnv(home: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  mkdirSync(home, { recursive: true });
  const npmrc = join(homedir(), '.npmrc');
  if (existsSync(npmrc)) copyFileSync(npmrc, join(home, '.npmrc'));
  const kept = Object.fromEntries(
    Object.entries(env).filter(
      ([key]) =>
        !/^(npm_|pnpm_|VITEST|__VITEST|TINYPOOL|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|TURBO_|XDG_(CACHE|DATA|STATE|CONFIG)_HOME$)/i.test(
          key,
        ),
    ),
  );
  return {
    ...kept,
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CONFIG_HOME: join(home, '.config'),
    npm_config_cache: join(home, '.npm'),
    // What GitHub Actions, GitLab and the course's .ci/run set.
    CI: 'true',
  };
}

export class ReleaseCiError extends Error {}

export interface StepResult extends CiStep {
  seconds: number;
  /** The last lines of what it printed. */
  tail: string;
}

export interface VerifyResult {
  clone: string;
  steps: StepResult[];
}

const tail = (text: string, lines = 15) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest and pnpm colour their output
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .trim()
    .split('\n')
    .slice(-lines)
    .join('\n  ');

/**
 * Commits the release as it is, clones it into a temporary folder and runs every step of its CI there
 * with empty caches. Throws ReleaseCiError at the first step that fails, naming it. The clone stays
 * (its grade-report folders are evidence) until `cleanup` is called; the caches are removed.
 */
export function verifyReleaseCi(
  releaseDir: string,
  opts: { log?: (line: string) => void; stepTimeoutMs?: number; steps?: (steps: CiStep[]) => CiStep[] } = {},
): VerifyResult & { cleanup(): void } {
  const log = opts.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'release-ci-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  const git = (args: string[], cwd: string) => {
    const r = spawnSync('git', ['-c', 'user.name=release', '-c', 'user.email=release@localhost', ...args], {
      cwd,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new ReleaseCiError(`git ${args[0]} failed: ${tail(`${r.stdout}${r.stderr}`, 3)}`);
  };
  const origin = join(work, 'origin.git');
  const clone = join(work, 'clone');
  try {
    git(['init', '-q', '--bare', origin], work);
    // The release's own .gitignore decides what a student's first commit holds (never node_modules).
    git([`--git-dir=${origin}`, `--work-tree=${releaseDir}`, 'add', '-A'], releaseDir);
    git([`--git-dir=${origin}`, `--work-tree=${releaseDir}`, 'commit', '-q', '-m', 'release'], releaseDir);
    git(['clone', '-q', origin, clone], work);
    const env = freshMachineEnv(join(work, 'home'));
    const all = releasedCiSteps(clone);
    const steps = opts.steps ? opts.steps(all) : all;
    if (steps.length === 0)
      throw new ReleaseCiError('the release has no CI steps (.github/workflows, .gitlab-ci.yml, .ci/run)');
    const results: StepResult[] = [];
    for (const step of steps) {
      log(`${step.source}: ${step.command}`);
      const started = performance.now();
      const r = spawnSync('bash', ['-c', step.command], {
        cwd: clone,
        env,
        encoding: 'utf8',
        timeout: opts.stepTimeoutMs ?? 1_800_000,
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const seconds = (performance.now() - started) / 1000;
      const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      if (r.status !== 0) {
        const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
        throw new ReleaseCiError(
          `the released CI fails at ${step.source} (\`${step.command}\`, ${why} after ${seconds.toFixed(0)} s):\n  ${tail(output)}`,
        );
      }
      results.push({ ...step, seconds, tail: tail(output, 5) });
      log(`  passed in ${seconds.toFixed(0)} s`);
    }
    // The caches are large and worth nothing once the steps ran.
    rmSync(join(work, 'home'), { recursive: true, force: true });
    return { clone, steps: results, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

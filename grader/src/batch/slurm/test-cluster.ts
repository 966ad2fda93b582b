// A private single-node Slurm cluster for the tests: munged, slurmctld and slurmd from Debian's munge and
// slurm-wlm, started in a temporary folder with their own munge key, socket, ports, state and logs, so that
// nothing is shared with the machine's own Slurm (if any) or with another test run. The node declares what
// `slurmd -C` finds on this machine. Everything started is stopped by its process id; a watchdog does it
// too if the test process dies first.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/slurmstepd'];
const CLIENTS = ['sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo', 'sacct'];

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the cluster cannot be started here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (platform() !== 'linux') return 'Slurm runs on Linux';
  if (process.getuid?.() !== 0) return 'starting slurmd needs root (CI runs as root)';
  const missing = [...DAEMONS.filter((d) => !existsSync(d)), ...CLIENTS.filter((c) => !onPath(c))];
  if (missing.length > 0) return `missing ${missing.join(', ')} (apt-get install slurm-wlm munge)`;
  return undefined;
}

export interface TestCluster {
  dir: string;
  /** The environment for Slurm's commands and for jobs: SLURM_CONF names this cluster. */
  env: NodeJS.ProcessEnv;
  partition: string;
  node: string;
  stop(): Promise<void>;
}

/** Ports nobody listens on now: all held open together, so that two calls cannot return the same one. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stopPid(pid: number | undefined): Promise<void> {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

const tail = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-15).join('\n') : '');

export async function startTestCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'slurm-test-'));
  // munged wants its socket's folders searchable by everyone, and the key private to its user.
  chmodSync(dir, 0o711);
  const keyDir = join(dir, 'munge');
  const runDir = join(dir, 'run');
  mkdirSync(keyDir, { mode: 0o700 });
  mkdirSync(runDir, { mode: 0o711 });
  for (const sub of ['state', 'spool', 'log']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const key = join(keyDir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(runDir, 'munge.socket');
  const conf = join(dir, 'slurm.conf');
  const env = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  let watchdog: ChildProcess | undefined;

  const start = (command: string, args: string[], name: string) => {
    const out = openSync(join(dir, 'log', `${name}.out`), 'a');
    const child = spawn(command, args, { env, stdio: ['ignore', out, out] });
    closeSync(out);
    children.push(child);
    return child;
  };
  const stop = async () => {
    if (watchdog?.pid) await stopPid(watchdog.pid);
    // Jobs first, while slurmd can still end their steps; then the daemons, last started first.
    try {
      execFileSync('scancel', ['--quiet', '--user', 'root'], { env, stdio: 'ignore', timeout: 15_000 });
      for (let i = 0; i < 60; i++) {
        const out = execFileSync('squeue', ['-h', '-o', '%i'], { env, encoding: 'utf8', timeout: 15_000 });
        if (out.trim() === '') break;
        await sleep(500);
      }
    } catch {
      // The controller is gone already: its jobs' steps end with slurmd below.
    }
    for (const child of [...children].reverse()) await stopPid(child.pid);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    start(
      'munged',
      [
        '--foreground',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--pid-file=${join(runDir, 'munged.pid')}`,
        `--log-file=${join(dir, 'log', 'munged.log')}`,
        `--seed-file=${join(keyDir, 'munged.seed')}`,
      ],
      'munged',
    );
    for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(100);
    if (!existsSync(socket)) throw new Error(`munged did not start:\n${tail(join(dir, 'log', 'munged.out'))}`);

    // What this machine has, as slurmd itself measures it (CPUs, sockets, cores, memory).
    const hardware = execFileSync('slurmd', ['-C'], { encoding: 'utf8' }).split('\n')[0]!.trim();
    const node = /^NodeName=(\S+)/.exec(hardware)?.[1] ?? 'localhost';
    const [ctldPort, slurmdPort] = await freePorts(2);
    const cluster = `t${randomBytes(4).toString('hex')}`;
    writeFileSync(
      conf,
      [
        `ClusterName=${cluster}`,
        `SlurmctldHost=${node}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(runDir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(runDir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
        'MailProg=/bin/true',
        // No cgroups: the processes of a job are found by descent, which reaches the grader's children.
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'MpiDefault=none',
        'SwitchType=switch/none',
        'SchedulerType=sched/backfill',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'ReturnToService=2',
        'KillWait=5',
        `${hardware} NodeAddr=127.0.0.1 State=UNKNOWN`,
        `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    start('slurmctld', ['-D', '-f', conf], 'slurmctld');
    start('slurmd', ['-D', '-f', conf], 'slurmd');
    // Until then the test process's end stops them; after it, so does the watchdog's.
    const pids = children.map((c) => c.pid).join(' ');
    watchdog = spawn(
      'sh',
      [
        '-c',
        `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill ${pids}; sleep 10; kill -9 ${pids}; rm -rf '${dir}'`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    for (let i = 0; i < 120; i++) {
      try {
        const state = execFileSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8', timeout: 15_000 }).trim();
        if (state === 'idle') return { dir, env, partition: 'debug', node, stop };
      } catch {
        // Not up yet.
      }
      await sleep(500);
    }
    throw new Error(
      `the test cluster did not come up:\n${tail(join(dir, 'log', 'slurmctld.log'))}\n${tail(join(dir, 'log', 'slurmd.log'))}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
}

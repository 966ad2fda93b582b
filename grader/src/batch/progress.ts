// Progress of a batch: a bar on a terminal, one line per submission in a CI log.
import cliProgress from 'cli-progress';
import { inert } from '../reporters/inert.ts';

export interface BatchProgress {
  done: number;
  total: number;
  student: string;
  status: 'graded' | 'error' | 'timeout' | 'skipped';
  seconds: number;
}

export function defaultProgress(stream: NodeJS.WriteStream = process.stderr): (p: BatchProgress) => void {
  if (!stream.isTTY) {
    // A folder name is the student's (or their LMS export's): inert, like every student string.
    return (p) =>
      stream.write(`[${p.done}/${p.total}] ${inert(p.student, 200)}: ${p.status} (${p.seconds.toFixed(1)} s)\n`);
  }
  let bar: cliProgress.SingleBar | undefined;
  return (p) => {
    if (!bar) {
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: 'grading [{bar}] {value}/{total} · eta {eta_formatted} · {student}: {status}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(p.total, 0, { student: '', status: '' });
    }
    bar.update(p.done, { student: inert(p.student, 200), status: p.status });
    if (p.done >= p.total) bar.stop();
  };
}

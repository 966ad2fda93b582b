// The book's `Timer`: record laps, then their average, sum, and running sums.
export class Timer {
  readonly times: number[] = [];
  private startedAt: number | undefined;

  constructor(private readonly now: () => number = () => performance.now() / 1000) {
    this.start();
  }

  start(): void {
    this.startedAt = this.now();
  }

  /** End the lap started by `start` and return its length in seconds. */
  stop(): number {
    if (this.startedAt === undefined) throw new Error('Timer.stop() called without start(); call start() first');
    const lap = this.now() - this.startedAt;
    this.times.push(lap);
    this.startedAt = undefined;
    return lap;
  }

  avg(): number {
    return this.times.length === 0 ? 0 : this.sum() / this.times.length;
  }

  sum(): number {
    return this.times.reduce((a, b) => a + b, 0);
  }

  cumsum(): number[] {
    let total = 0;
    return this.times.map((t) => {
      total += t;
      return total;
    });
  }
}

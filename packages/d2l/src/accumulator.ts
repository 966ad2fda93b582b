// The book's `Accumulator`: n running sums, e.g. (loss sum, correct count, example count).
export class Accumulator {
  private data: number[];

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Accumulator needs a positive integer size, got ${n}`);
    this.data = new Array<number>(n).fill(0);
  }

  /** Add one value to each sum, in order. */
  add(...values: number[]): void {
    if (values.length !== this.n)
      throw new Error(`Accumulator(${this.n}).add takes ${this.n} values, got ${values.length}`);
    values.forEach((v, i) => {
      this.data[i]! += v;
    });
  }

  reset(): void {
    this.data.fill(0);
  }

  get(i: number): number {
    const v = this.data[i];
    if (v === undefined) throw new Error(`Accumulator(${this.n}) has no entry ${i}; use 0…${this.n - 1}`);
    return v;
  }

  toArray(): number[] {
    return [...this.data];
  }
}

/** Walks command-line options; `value` and `positive` read the value that follows the current one. */
export class ArgReader {
  private index = -1;

  constructor(private readonly argv: readonly string[]) {}

  /** The next option, or undefined at the end. */
  next(): string | undefined {
    this.index++;
    return this.argv[this.index];
  }

  value(option: string): string {
    const v = this.argv[++this.index];
    if (v === undefined) throw new Error(`${option} needs a value`);
    return v;
  }

  positive(option: string): number {
    const v = Number(this.value(option));
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${option} needs a positive number`);
    return v;
  }
}

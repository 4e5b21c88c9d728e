/** Walks command-line options; each reading method (`value`, `positive`, `count`, `choice`, `list`) reads the value that follows the current one. */
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

  /** A count: the positive number that follows, rounded, and never below 1. */
  count(option: string): number {
    return Math.max(1, Math.round(this.positive(option)));
  }

  /** The value that follows, one of `allowed` (`what` names them in the error). */
  choice<T extends string>(option: string, allowed: readonly T[], what: string): T {
    return oneOf(this.value(option), allowed, what);
  }

  /** The comma-separated value that follows, each item one of `allowed` (`what` names them in the error). */
  list<T extends string>(option: string, allowed: readonly T[], what: string): T[] {
    const items = this.value(option).split(',').map((s) => s.trim()).filter(Boolean);
    return items.map((item) => oneOf(item, allowed, what));
  }
}

function oneOf<T extends string>(item: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(item)) throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  return item as T;
}

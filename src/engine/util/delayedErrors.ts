import { EngineError } from '../../shared/errors';

/** Collects error messages (with how often each occurred, overall and per section) so that a run can finish what
 *  it is doing and then fail once with all of them. */
export class DelayedErrors {
  private readonly counts = new Map<string, number>();
  private readonly sections = new Map<string, Map<string, number>>();

  /** Records one occurrence of an error message, optionally under a section (e.g. a batch or a file). */
  add(message: string, section?: string): void {
    increment(this.counts, message);
    if (section !== undefined) {
      let counts = this.sections.get(section);
      if (counts === undefined) this.sections.set(section, (counts = new Map()));
      increment(counts, message);
    }
  }

  /** True if any error was recorded. */
  get hasErrors(): boolean {
    return this.counts.size > 0;
  }

  /** The number of occurrences of every message, overall or within one section. */
  countsOf(section?: string): ReadonlyMap<string, number> {
    return section === undefined ? this.counts : (this.sections.get(section) ?? new Map());
  }

  /** The sections that have errors, in the order they first got one. */
  get sectionNames(): string[] {
    return [...this.sections.keys()];
  }

  /** Throws one EngineError('aborted') whose message is `header` followed by a `  <count> × <message>` line per
   *  distinct message, sorted by message; does nothing if no error was recorded. */
  throwIfAny(header: string): void {
    if (!this.hasErrors) return;
    const lines = [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([message, count]) => `  ${count} × ${message}`);
    throw new EngineError('aborted', [header, ...lines].join('\n'));
  }

  /** Forgets every recorded error. */
  clear(): void {
    this.counts.clear();
    this.sections.clear();
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

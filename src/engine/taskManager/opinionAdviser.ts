import { InvalidInputError } from '../../shared/errors';

/** How often each opinion occurs, and the most common one (the first seen wins ties; null when there are none). */
export interface OpinionTally<T> {
  /** Occurrences per distinct opinion, in the order the opinions were first seen. */
  readonly counts: ReadonlyMap<T, number>;
  readonly top: T | null;
  readonly topCount: number;
}

/** The verdict on one sample's opinions so far. */
export interface OpinionConclusion<T> extends OpinionTally<T> {
  /** True when no further responses will be asked for: confident, or the response budget is used up. */
  readonly haveConclusion: boolean;
  /** True when at least `opinionsMin` opinions exist and the top one's share reaches `confidence`. */
  readonly isConfident: boolean;
}

/**
 * Decides how many times a question must be asked to reach a confident majority. A sample is settled once its most
 * common opinion holds a share of at least `confidence` among at least `opinionsMin` opinions, or once `opinionsMax`
 * responses (failed ones included) have been received. Opinions are compared with `===` (use strings or numbers).
 */
export class OpinionAdviser {
  /**
   * Throws InvalidInputError unless `opinionsMin` is an integer ≥ 1, `opinionsMax` an integer ≥ `opinionsMin` and
   * `confidence` strictly between 0 and 1.
   */
  constructor(
    readonly opinionsMin: number,
    readonly opinionsMax: number,
    readonly confidence: number,
  ) {
    this.validate();
  }

  /** Throws InvalidInputError naming the offending parameter when the configuration cannot work. */
  validate(): void {
    if (!Number.isInteger(this.opinionsMin) || this.opinionsMin < 1) {
      throw new InvalidInputError(`opinions_min must be an integer of at least 1, got ${this.opinionsMin}`);
    }
    if (!Number.isInteger(this.opinionsMax) || this.opinionsMax < this.opinionsMin) {
      throw new InvalidInputError(
        `opinions_max must be an integer of at least opinions_min (${this.opinionsMin}), got ${this.opinionsMax}`,
      );
    }
    if (!(this.confidence > 0 && this.confidence < 1)) {
      throw new InvalidInputError(`confidence must be strictly between 0 and 1, got ${this.confidence}`);
    }
  }

  /** Counts the opinions and picks the most common one; the one seen first wins a tie. */
  resolveOpinions<T>(opinions: readonly T[]): OpinionTally<T> {
    const counts = new Map<T, number>();
    for (const opinion of opinions) counts.set(opinion, (counts.get(opinion) ?? 0) + 1);
    let top: T | null = null;
    let topCount = 0;
    for (const [opinion, count] of counts) {
      if (count > topCount) {
        top = opinion;
        topCount = count;
      }
    }
    return { counts, top, topCount };
  }

  /** Whether the sample is settled given `numFailed` failed responses and the opinions received so far. */
  getConclusion<T>(numFailed: number, opinions: readonly T[]): OpinionConclusion<T> {
    checkFailedCount(numFailed);
    const tally = this.resolveOpinions(opinions);
    const received = opinions.length;
    const isConfident = received >= this.opinionsMin && tally.topCount / received >= this.confidence;
    const haveConclusion = isConfident || numFailed + received >= this.opinionsMax;
    return { ...tally, haveConclusion, isConfident };
  }

  /**
   * The smallest total number of responses (failed ones included) that could settle the sample, never less than
   * the number already received: asking for this many minus those already committed is never wasted.
   */
  minResponsesRequired<T>(numFailed: number, opinions: readonly T[]): number {
    checkFailedCount(numFailed);
    const received = opinions.length;
    const { topCount } = this.resolveOpinions(opinions);
    const needed = numFailed + Math.max(this.opinionsMin, Math.ceil((received - topCount) / (1 - this.confidence)));
    return Math.max(numFailed + received, Math.min(this.opinionsMax, needed));
  }
}

function checkFailedCount(numFailed: number): void {
  if (!Number.isInteger(numFailed) || numFailed < 0) {
    throw new RangeError(`The number of failed responses must be a non-negative integer, got ${numFailed}`);
  }
}

import { InvalidInputError } from '../../shared/errors';
import type { Logger } from '../log';
import type { TokenWarnMode } from './estimator';

const warnModes: readonly TokenWarnMode[] = ['never', 'once', 'always'];

/** Appended to warnings in `once` mode, so readers know repeats are hidden. */
export const warnOnceSuffix = ' (WARN ONCE)';

/** Sends estimator warnings to a logger according to the warn mode. */
export class TokenWarnings {
  private readonly seen = new Set<string>();

  constructor(
    private readonly mode: TokenWarnMode,
    private readonly logger: Logger,
  ) {
    if (!warnModes.includes(mode)) {
      throw new InvalidInputError(`token_estimator_warn must be one of ${warnModes.join(', ')}, not '${String(mode)}'`);
    }
  }

  warn(message: string): void {
    if (this.mode === 'never') return;
    if (this.mode === 'always') {
      this.logger.warn(message);
      return;
    }
    if (this.seen.has(message)) return;
    this.seen.add(message);
    this.logger.warn(message + warnOnceSuffix);
  }

  /** Forgets which warnings were given, so each is logged once more. */
  reset(): void {
    this.seen.clear();
  }
}

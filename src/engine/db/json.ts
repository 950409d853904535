import { CorruptedStateError } from '../../shared/errors';

/** Parses a JSON column; text that does not parse means the database was changed outside the engine. */
export function parseJsonColumn(file: string, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CorruptedStateError(file, `${file}: ${what} is not valid JSON (${(error as Error).message}); the database was changed outside GPT Batch`);
  }
}

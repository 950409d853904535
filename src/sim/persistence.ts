import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CorruptedStateError } from '../shared/errors';

/** A file's metadata as the Files API reports it. */
export interface StoredFile {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  expires_at: number | null;
}

/** One `errors.data[]` entry of a batch that failed validation. */
export interface BatchValidationError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** Token usage of a finished batch, as in the batch object's `usage`. */
export interface BatchUsageFigures {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Everything the simulator keeps about a batch; what it reports is derived from this and the wall clock. */
export interface StoredBatch {
  id: string;
  /** Creation order, also the identity fault decisions are keyed on. */
  number: number;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  createdAtMs: number;
  durationMs: number;
  /** Result of input validation, decided at creation and revealed when the batch leaves `validating`. */
  errors: BatchValidationError[];
  model: string | null;
  total: number;
  inputTokens: number;
  /** Injected fate, decided at creation. */
  expires: boolean;
  expireCompletedFraction: number;
  lineErrorRate: number;
  lineErrorStatus: number;
  cancellingAtMs: number | null;
  /** `output_expires_after.seconds` of the creation request: how long the output and error files live (default 30 days). */
  outputExpiresAfterSeconds?: number;
  /** Set once the batch reached a terminal status with output and its files were written. */
  outcome: { output_file_id: string | null; error_file_id: string | null; completed: number; failed: number; usage: BatchUsageFigures } | null;
}

/** The simulator's whole persistent state except file contents. */
export interface SimState {
  version: 1;
  /** Random per state, part of every id, so that ids of different simulators do not collide. */
  tag: string;
  nextFileNumber: number;
  nextBatchNumber: number;
  files: StoredFile[];
  batches: StoredBatch[];
}

const stateFileName = 'state.json';

/**
 * Keeps the simulator's state and file contents in memory, or in a state directory (atomic writes: temp file,
 * fsync, rename) so that a new simulator on the same directory continues where the last one stopped.
 */
export class StateStore {
  private readonly contents = new Map<string, Buffer>();

  constructor(private readonly stateDir: string | undefined) {}

  /** The saved state, or a fresh one. Throws naming the file when the saved state cannot be read. */
  load(): SimState {
    const fresh: SimState = { version: 1, tag: randomBytes(4).toString('hex'), nextFileNumber: 1, nextBatchNumber: 1, files: [], batches: [] };
    if (this.stateDir === undefined) return fresh;
    fs.mkdirSync(path.join(this.stateDir, 'files'), { recursive: true });
    const file = path.join(this.stateDir, stateFileName);
    if (!fs.existsSync(file)) return fresh;
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CorruptedStateError(file, `Simulator state file ${file} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    if ((parsed as SimState | null)?.version !== 1) throw new CorruptedStateError(file, `Simulator state file ${file} has an unknown format`);
    return parsed as SimState;
  }

  save(state: SimState): void {
    if (this.stateDir !== undefined) writeAtomic(path.join(this.stateDir, stateFileName), JSON.stringify(state));
  }

  writeContent(fileId: string, content: Buffer): void {
    if (this.stateDir === undefined) this.contents.set(fileId, content);
    else writeAtomic(this.contentPath(fileId), content);
  }

  /** The content of a file, or undefined if it was never written or has been deleted. */
  readContent(fileId: string): Buffer | undefined {
    if (this.stateDir === undefined) return this.contents.get(fileId);
    try {
      return fs.readFileSync(this.contentPath(fileId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  deleteContent(fileId: string): void {
    if (this.stateDir === undefined) this.contents.delete(fileId);
    else fs.rmSync(this.contentPath(fileId), { force: true });
  }

  private contentPath(fileId: string): string {
    return path.join(this.stateDir as string, 'files', `${fileId}.bin`);
  }
}

function writeAtomic(file: string, data: string | Buffer): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

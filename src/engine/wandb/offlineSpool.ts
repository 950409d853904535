import fs from 'node:fs';
import path from 'node:path';
import { CorruptedStateError, InvalidInputError } from '../../shared/errors';
import type { Logger } from '../log';
import type { MetricValue } from './metricsSink';

/** The run a spool file belongs to, as configured when it was written. Never holds the API key. */
export interface SpoolHeader {
  runId: string;
  project: string;
  entity?: string;
  name?: string;
  group?: string;
  jobType?: string;
  config: Record<string, unknown>;
}

/** One line of a spool file. A file starts with a `run` record; a resumed offline run appends another. */
export type SpoolRecord =
  | ({ type: 'run' } & SpoolHeader)
  | { type: 'history'; row: Record<string, MetricValue> }
  | { type: 'summary'; values: Record<string, MetricValue> }
  | { type: 'console'; line: string }
  | { type: 'exit'; exitCode: number };

/** A spool file's run (its `run` records merged) and its other records in the order they were written. */
export interface SpoolContents {
  header: SpoolHeader;
  records: Exclude<SpoolRecord, { type: 'run' }>[];
}

/** The spool file of run `runId` in `dir`. */
export function spoolFilePath(dir: string, runId: string): string {
  return path.join(dir, `wandb-offline-${runId}.jsonl`);
}

/**
 * Reads a spool file. A final line cut off by a crash is ignored; any other unreadable line is a CorruptedStateError
 * naming the file and line.
 */
export function readSpool(file: string): SpoolContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read W&B spool file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const lines = text.split('\n');
  let header: SpoolHeader | undefined;
  const records: SpoolContents['records'] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let record: SpoolRecord;
    try {
      record = JSON.parse(line) as SpoolRecord;
    } catch (error) {
      if (index === lines.length - 1) return;
      throw new CorruptedStateError(file, `${file}:${index + 1}: not a JSON record (${(error as Error).message})`);
    }
    switch (record.type) {
      case 'run': {
        const { type: _type, ...fields } = record;
        header = { ...header, ...fields };
        break;
      }
      case 'history':
      case 'summary':
      case 'console':
      case 'exit':
        records.push(record);
        break;
      default:
        throw new CorruptedStateError(file, `${file}:${index + 1}: unknown record type ${JSON.stringify((record as { type?: unknown }).type)}`);
    }
  });
  if (!header) throw new CorruptedStateError(file, `${file}: no run record; this is not a W&B spool file`);
  return { header, records };
}

/** Appends records to a spool file without blocking the caller; write failures are logged once. */
export class SpoolWriter {
  private readonly stream: fs.WriteStream;
  private failed = false;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.stream = fs.createWriteStream(file, { flags: 'a', encoding: 'utf8' });
    this.stream.on('error', (error) => {
      if (!this.failed) logger.warn(`W&B offline: cannot write spool file ${file}; metrics are lost from here on: ${error.message}`);
      this.failed = true;
    });
  }

  append(record: SpoolRecord): void {
    if (this.failed || this.stream.writableEnded) return;
    this.stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Flushes and closes the file, waiting at most `timeoutMs`; resolves to whether everything was written. */
  close(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(`W&B offline: spool file ${this.file} not flushed within ${timeoutMs / 1000} s`);
        resolve(false);
      }, timeoutMs);
      this.stream.end(() => {
        clearTimeout(timer);
        resolve(!this.failed);
      });
    });
  }
}

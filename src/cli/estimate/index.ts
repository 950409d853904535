import { EngineError } from '../../shared/errors';
import type { Logger } from '../../engine';
import { exitCodeFor, exitCodes } from '../exitCodes';
import { ChunkedOutput, type OutputStream } from './chunkedOutput';
import { jsonDocumentLineLimit, parseEstimateFlags, usage, type EstimateFlags } from './flags';
import { readLineBatches } from './lineBatches';
import { LineEstimator } from './lineEstimator';
import { printerFor } from './printers';
import { EstimateProgress, type ProgressStream } from './progress';
import { TotalsCounter } from './totals';

/** The streams of one estimate: stdout and stderr in the CLI. */
export interface EstimateStreams {
  out: OutputStream & { isTTY?: boolean };
  err: ProgressStream;
}

function isBlank(text: string): boolean {
  return text.length === 0 || text.trim() === '';
}

/**
 * Estimates every line of `flags.file` and prints as it goes; returns the exit code: 0 if every line was estimated,
 * 2 if a line was not, and 2 with a message if no line at all was.
 */
export async function estimateFile(flags: EstimateFlags, streams: EstimateStreams): Promise<number> {
  const progress = new EstimateProgress(streams.err);
  const printError = (message: string): void => {
    progress.clear();
    streams.err.write(`${message}\n`);
  };
  const logger: Logger = {
    error: printError,
    warn: (message) => printError(`warning: ${message}`),
    info: printError,
    debug: () => {},
  };
  const estimator = new LineEstimator(flags, logger);
  const totals = new TotalsCounter((model) => estimator.priceOf(model));
  const printer = printerFor(flags.output, flags.summaryOnly);
  const out = new ChunkedOutput(streams.out);
  const warnsOfSize = flags.output === 'json' && !flags.summaryOnly;
  out.write(printer.start());
  let lineNumber = 0;
  for (const batch of readLineBatches(flags.file)) {
    for (const text of batch) {
      lineNumber += 1;
      if (isBlank(text)) continue;
      const result = estimator.estimate(text, lineNumber);
      totals.add(result);
      out.write(printer.line(result));
    }
    if (warnsOfSize && lineNumber > jsonDocumentLineLimit && lineNumber - batch.length <= jsonDocumentLineLimit) {
      logger.warn(`more than ${jsonDocumentLineLimit} lines make one very large JSON document: --jsonl prints one object per line`);
    }
    if (streams.out.isTTY) progress.clear();
    await out.flushIfFull();
    if (out.closed) return exitCodes.ok;
    progress.update(lineNumber);
  }
  progress.clear();
  const summary = totals.summary();
  out.write(printer.end(summary));
  await out.flush();
  const { lines, errors } = summary.total;
  if (lines === 0) {
    printError(`gpt-batch estimate: no line could be estimated: ${flags.file} has no requests (every line is empty)`);
    return exitCodes.invalidInput;
  }
  if (errors === lines) {
    printError(`gpt-batch estimate: no line could be estimated (${errors} line(s) failed); the first error: ${summary.firstErrors[0] ?? ''}`);
    return exitCodes.invalidInput;
  }
  return errors > 0 ? exitCodes.invalidInput : exitCodes.ok;
}

/** `gpt-batch estimate FILE`: returns 0 if every line was estimated, 2 if a line or the file could not be. */
export async function runEstimateCommand(argv: string[]): Promise<number> {
  try {
    const flags = parseEstimateFlags(argv);
    if (!flags) {
      console.log(usage);
      return exitCodes.ok;
    }
    return await estimateFile(flags, { out: process.stdout, err: process.stderr });
  } catch (error) {
    if (!EngineError.is(error)) throw error;
    console.error(`gpt-batch estimate: ${error.message}`);
    return exitCodeFor(error);
  }
}

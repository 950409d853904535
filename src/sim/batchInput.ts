import { SimHttpError } from './apiError';
import { hashHex } from './deterministic';
import { embeddingInputCount, maxBatchInputs } from './embeddings';
import type { FaultDecider } from './faults';
import { type AnswerUsage, type ModelEndpoint, modelEndpoint } from './modelEndpoints';
import type { BatchValidationError, StoredBatch } from './persistence';

/** A request line of a batch input file. */
export interface InputLine {
  /** 1-based line number in the file. */
  lineNumber: number;
  customId: string;
  body: unknown;
}

/** A parsed and validated batch input file. */
export interface ParsedInput {
  lines: InputLine[];
  /** Validation errors; any error fails the batch. */
  errors: BatchValidationError[];
  model: string | null;
  promptTokens: number;
}

const maxTasks = 50_000;
// Like the API, report a handful of line errors rather than one per bad line.
const maxReportedErrors = 10;

/** Parses a batch input file and applies the API's validation rules for a batch on `endpoint`. */
export function parseBatchInput(content: Buffer, endpoint: string): ParsedInput {
  const rawLines = content.toString('utf8').split('\n');
  const lines: InputLine[] = [];
  const errors: BatchValidationError[] = [];
  const report = (code: string, message: string, lineNumber: number | null, param: string | null = null): void => {
    if (errors.length < maxReportedErrors) errors.push({ code, message, param, line: lineNumber });
  };
  const seen = new Set<string>();
  const models = new Set<string>();
  let model: string | null = null;
  rawLines.forEach((raw, index) => {
    if (raw.trim().length === 0) return;
    const lineNumber = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      report('invalid_json_line', 'This line is not parseable as valid JSON.', lineNumber);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      report('invalid_json_line', 'This line is not a JSON object.', lineNumber);
      return;
    }
    const { custom_id: customId, url, body } = parsed as Record<string, unknown>;
    if (typeof customId !== 'string' || customId.length === 0) {
      report('missing_required_parameter', "The line is missing the string field 'custom_id'.", lineNumber, 'custom_id');
      return;
    }
    if (seen.has(customId)) report('duplicate_custom_id', `The custom_id '${customId}' is not unique in this file.`, lineNumber, 'custom_id');
    seen.add(customId);
    if (url !== endpoint) report('url_mismatch', `The url ${JSON.stringify(url)} does not match the batch endpoint '${endpoint}'.`, lineNumber, 'url');
    const lineModel = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).model : undefined;
    if (typeof lineModel === 'string') {
      if (models.size > 0 && !models.has(lineModel)) report('model_mismatch', `The model '${lineModel}' differs from the model '${model}' of the earlier lines; a batch may use one model only.`, lineNumber, 'body.model');
      models.add(lineModel);
      model ??= lineModel;
    }
    lines.push({ lineNumber, customId, body });
  });
  if (lines.length === 0 && errors.length === 0) report('empty_file', 'The input file is empty.', null);
  if (lines.length > maxTasks) report('too_many_tasks', `The input file has ${lines.length} requests, more than the ${maxTasks} a batch may have.`, null);
  if (endpoint === '/v1/embeddings') {
    const inputs = lines.reduce((sum, line) => sum + embeddingInputCount(line.body), 0);
    if (inputs > maxBatchInputs) report('too_many_inputs', `The input file has ${inputs} embedding inputs, more than the ${maxBatchInputs} an embeddings batch may have.`, null);
  }
  const answering = modelEndpoint(endpoint);
  const promptTokens = errors.length > 0 ? 0 : lines.reduce((sum, line) => sum + (isObject(line.body) ? answering.promptTokens(line.body) : 0), 0);
  return { lines, errors, model, promptTokens };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether a line's request ends in a 200 answer (neither an injected line error nor an invalid body). */
export function lineSucceeds(batch: Pick<StoredBatch, 'lineErrorRate' | 'endpoint'>, line: InputLine, decider: FaultDecider): boolean {
  if (decider.lineFails(batch.lineErrorRate, line.customId)) return false;
  const answering: ModelEndpoint = modelEndpoint(batch.endpoint);
  try {
    answering.validate(line.body);
    return true;
  } catch {
    return false;
  }
}

/** The output or error file line of a line that was executed. */
export interface ExecutedLine {
  succeeded: boolean;
  json: string;
  usage: AnswerUsage | undefined;
}

/** Executes a batch line: the answer of the batch's endpoint, an injected per-line HTTP error, or the 400 of an invalid body. */
export function executeLine(batch: StoredBatch, line: InputLine, decider: FaultDecider, nowSeconds: number): ExecutedLine {
  const lineKey = hashHex(batch.id, line.customId);
  const wrap = (statusCode: number, body: unknown): string =>
    JSON.stringify({ id: `batch_req_${lineKey.slice(0, 32)}`, custom_id: line.customId, response: { status_code: statusCode, request_id: `req_${lineKey.slice(32, 64)}`, body }, error: null });
  const answering: ModelEndpoint = modelEndpoint(batch.endpoint);
  let failure: SimHttpError | undefined;
  if (decider.lineFails(batch.lineErrorRate, line.customId)) failure = lineFault(batch.lineErrorStatus, batch.model);
  else {
    try {
      answering.validate(line.body);
    } catch (error) {
      if (!(error instanceof SimHttpError)) throw error;
      failure = error;
    }
  }
  if (failure) return { succeeded: false, json: wrap(failure.status, failure.body()), usage: undefined };
  const answer = answering.answer(line.body as Record<string, unknown>, line.customId, nowSeconds);
  return { succeeded: true, json: wrap(200, answer.body), usage: answer.usage };
}

/** The error file line of a request that never ran because its batch expired or was cancelled. */
export function unexecutedLine(batchId: string, customId: string, reason: 'batch_expired' | 'batch_cancelled'): string {
  const message =
    reason === 'batch_expired' ? 'This request could not be executed before the completion window expired.' : 'This request was not executed because the batch was cancelled.';
  return JSON.stringify({ id: `batch_req_${hashHex(batchId, customId).slice(0, 32)}`, custom_id: customId, response: null, error: { code: reason, message } });
}

function lineFault(status: number, model: string | null): SimHttpError {
  if (status === 429) {
    return new SimHttpError(429, `Rate limit reached for ${model ?? 'the model'} in organization org-simulator on requests per min (RPM). Please try again later.`, 'requests', null, 'rate_limit_exceeded');
  }
  if (status === 400) return new SimHttpError(400, 'The request was rejected as invalid (simulated fault).', 'invalid_request_error', null, 'invalid_value');
  return new SimHttpError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error');
}

import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { ErrorInfo, ResponseInfo } from './results';
import { retryableStatusCodes } from './results';

/** The errors of API answers and what processing an answer body produces, whatever its endpoint (engine.md 6.2). */
export function errorInfo(fatal: boolean, type: string, subtype: string, msg: string, data: unknown = null): ErrorInfo {
  return { fatal, type, subtype, msg, data };
}

/** The error of a non-200 HTTP status, worded as users grep for it (engine.md 6.2 `StatusCode(NotOK)`). */
export function statusCodeError(status: number, body: unknown): ErrorInfo {
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  let msg = `Response HTTP ${status} (${STATUS_CODES[status] ?? 'Unknown Error'})`;
  if (error !== null && typeof error === 'object') {
    const e = error as { type?: unknown; code?: unknown; param?: unknown; message?: unknown };
    if (typeof e.type === 'string' && e.type) {
      msg += ` with error of type ${e.type}`;
      if (typeof e.code === 'string' && e.code) msg += `.${e.code}`;
      if (typeof e.param === 'string' && e.param) msg += `(param='${e.param}')`;
    }
    if (typeof e.message === 'string' && e.message) msg += `: ${e.message.replace(/\n/g, '\\n')}`;
  }
  return errorInfo(!retryableStatusCodes.has(status), 'StatusCode', 'NotOK', msg, status);
}

/**
 * Checks an answer body against its endpoint's object type (in `typeKey`: OpenAI's `object`, Anthropic's `type`) and
 * schema: a missing or empty body, another object type or an invalid body is a fatal error. A body that `isSound` (the
 * schema's checks, without its cost) accepts is returned as a copy of its top level, which drops what an SDK adds
 * there as read-only and hidden (openai's `_request_id`); any other is checked by the schema, and the data returned
 * is its copy. Either is free to be annotated: callers hand in a body parsed for them alone.
 */
export function checkAnswerBody<T>(
  body: unknown,
  object: string,
  schema: z.ZodType<T>,
  what: string,
  typeKey = 'object',
  isSound?: (body: unknown) => body is T,
): { data: T } | { failed: ProcessedResponse } {
  const fail = (error: ErrorInfo) => ({ failed: { resp: null, error, warnings: [] } });
  if (body === null || body === undefined || (typeof body === 'object' && Object.keys(body).length === 0)) {
    return fail(errorInfo(true, 'ResponseBody', 'MissingEmpty', 'Response body is missing or empty'));
  }
  const objectType = (body as Record<string, unknown>)[typeKey];
  if (objectType !== object) return fail(errorInfo(true, 'ResponseBody', 'ObjectIncorrect', `Response body ${typeKey} is '${String(objectType)}', not '${object}'`, objectType ?? null));
  if (isSound?.(body)) return { data: { ...body } };
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    return fail(errorInfo(true, 'ResponseBody', 'ValidationError', `Response body is not a valid ${what} (${where})`));
  }
  return { data: parsed.data };
}

/** What processing one answer body produced. */
export interface ProcessedResponse {
  resp: ResponseInfo | null;
  error: ErrorInfo | null;
  warnings: ErrorInfo[];
}

/** The `error` object of OpenAI's error responses. */
export interface ApiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/**
 * An HTTP error answered in OpenAI's shape `{"error": {message, type, param, code}}`. Route handlers throw it; the
 * server turns it into the response.
 */
export class SimHttpError extends Error {
  override readonly name = 'SimHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: ApiErrorBody } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 invalid_request_error naming the offending parameter. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null): SimHttpError {
  return new SimHttpError(400, message, 'invalid_request_error', param, code);
}

/** 404 for an unknown file, batch or route. */
export function notFound(message: string, param: string | null = null): SimHttpError {
  return new SimHttpError(404, message, 'invalid_request_error', param, null);
}

/** A server-side failure (500 or 503). */
export function serverError(status: 500 | 503): SimHttpError {
  return status === 500
    ? new SimHttpError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error')
    : new SimHttpError(503, 'The engine is currently overloaded, please try again later.', 'server_error', null, 'overloaded');
}

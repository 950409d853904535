import { APIConnectionError, APIConnectionTimeoutError } from 'openai';
import { EngineError } from '../../shared/errors';

/** The base URL the OpenAI client uses when neither `client_base_url` nor OPENAI_BASE_URL is set. */
export const defaultApiBaseUrl = 'https://api.openai.com/v1';

/**
 * `error` with the API's base URL and the network error added when it comes from a connection failure (the client
 * only says "Connection error."), so that a wrong `client_base_url` or a missing network is recognisable; any other
 * error is returned unchanged.
 */
export function withConnectionDetails(error: unknown, baseUrl: string): unknown {
  const connection = findCause(error, (e) => e instanceof APIConnectionError);
  if (connection === undefined || !(error instanceof Error)) return error;
  const timeout = connection instanceof APIConnectionTimeoutError;
  const network = timeout ? undefined : networkReason(connection.cause);
  const what = timeout ? 'timed out' : `failed${network ? ` (${network})` : ''}`;
  const message = `${error.message} Connecting to the API at ${baseUrl} ${what}; check the network connection and client_base_url (or OPENAI_BASE_URL).`;
  return new EngineError(EngineError.is(error) ? error.reason : 'api', message, { cause: error });
}

function findCause(error: unknown, test: (e: unknown) => boolean): Error | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth += 1) {
    if (test(e)) return e;
  }
  return undefined;
}

/** The innermost message of a fetch failure, e.g. "connect ECONNREFUSED 127.0.0.1:9". */
function networkReason(cause: unknown): string | undefined {
  let reason: string | undefined;
  for (let e: unknown = cause, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth += 1) reason = e.message;
  return reason;
}

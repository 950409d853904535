import type { RemoteBatch } from '../../shared/requesterState';
import type { DirectAnswer, DirectCallOptions, EndpointWire } from '../endpoints/endpointWire';

/** A remote file as the engine keeps it: the provider's file object (id, size, name). */
export type ProviderFile = RemoteBatch['file'] & { filename?: string };

/** A remote batch as the engine keeps it, in the Batch API's shape (see `BatchProvider`). */
export type ProviderBatch = RemoteBatch['batch'] & { metadata?: Record<string, string> | null; request_counts?: { total: number; completed: number; failed: number } };

/** What a batch is created from: the uploaded input, the endpoint of its lines and what identifies it. */
export interface BatchCreation {
  file: ProviderFile;
  endpoint: string;
  metadata: Record<string, string>;
  /** How long the provider keeps the output files, where it lets the client choose. */
  outputExpiresAfterSeconds: number;
}

/** A push a crash interrupted: its token, when it started and how many requests its batch holds. */
export interface InterruptedPush {
  token: string;
  startedAt: number;
  numRequests: number;
}

/**
 * The seam between the engine's batch lifecycle and one provider's API. The engine (pushing, polling, processing,
 * direct execution, wipes) speaks only this interface, and in the vocabulary of OpenAI's Batch API, which it was
 * built on: batch objects carry `status` (validating, in_progress, finalizing, completed, failed, expired,
 * cancelling, cancelled), `request_counts` {total, completed, failed}, `input_file_id`, `output_file_id` and
 * `error_file_id`; a downloaded output file has one line per request, `{custom_id, response: {status_code, body},
 * error}`; and API failures are the `openai` client's `APIError` classes (so a 404, a 429 or an abort reads the same
 * from every provider). The OpenAI implementation passes its client through; another provider translates its own
 * objects into these in both directions, so that caps, retries, costs and the task tree work unchanged.
 */
export interface BatchProvider {
  /** The provider's name, as in the task file's `provider`. */
  readonly name: string;
  /** The endpoints whose bodies this provider's batches and direct calls take. */
  readonly endpoints: readonly string[];
  /** Uploads a batch input file (JSONL of `{custom_id, method, url, body}` lines). */
  uploadFile(content: Buffer, filename: string): Promise<ProviderFile>;
  /** Creates the remote batch of an uploaded file. */
  createBatch(creation: BatchCreation): Promise<ProviderBatch>;
  /** The current state of a remote batch, created from the input file `inputFileId`. */
  retrieveBatch(batchId: string, inputFileId: string): Promise<ProviderBatch>;
  /** Asks the provider to cancel a remote batch (requests it already answered stay answered); the batch as it is then. */
  cancelBatch(batchId: string): Promise<ProviderBatch>;
  /** The text of an output or error file named by a batch object. */
  downloadFile(fileId: string): Promise<string>;
  /** Deletes a remote file (or what stands for it) once the engine no longer needs it. */
  deleteFile(fileId: string): Promise<void>;
  /** The remote input files of batches (their names carry the task id and push token). */
  listFiles(): AsyncIterable<ProviderFile & { filename: string }>;
  /** The remote batches, if any, that interrupted pushes of task `taskId` created, by push token, with their input files. */
  findInterruptedPushes(pushes: InterruptedPush[], taskId: string): Promise<Map<string, RemoteBatch>>;
  /** How often the API client retries a failed call; direct calls are sent without them and retried by the engine. */
  readonly directRetries: number;
  /** Sends one request body directly (not in a batch). */
  callDirect(wire: EndpointWire, payload: Record<string, unknown>, options: DirectCallOptions): Promise<DirectAnswer>;
}

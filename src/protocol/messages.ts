import { z } from 'zod';
import {
  CorruptedStateError,
  EngineError,
  type EngineErrorReason,
  InterruptedError,
  InvalidInputError,
  type KeyedProvider,
  MissingApiKeyError,
  TaskLockedError,
} from '../shared/errors';
import { committedTaskSchema } from '../shared/committedTask';
import { dashboardDataSchema } from '../shared/dashboard';
import { documentRefSchema, foundSampleSchema, pageSchema, pageSourceSchema, taskSnapshotSchema } from '../shared/taskSnapshot';
import { liveBatchSchema, spendCapSchema } from '../shared/taskEvent';

/**
 * The messages exchanged between the extension (extension host thread) and its two `worker_threads` workers: the
 * engine worker, which runs tasks (the one writer of their databases), and the reader, which answers every read. Every payload is plain JSON data, so it survives structured cloning unchanged. Each method is
 * declared once below as zod schemas; the TypeScript types are inferred from them and the receiving side validates
 * what arrives against the same schemas.
 */

/** Params of methods that take none. */
const emptyParams = z.object({}).strict();

/** What the engine's SQLite check found: the SQLite that libsql opened, or why it could not. */
const sqliteCheck = z.union([
  z.object({
    /** `sqlite_version()` of an in-memory database, e.g. `3.45.1`. */
    version: z.string(),
    /** The native addon file libsql loaded, which tells which copy of libsql the engine uses. */
    addon: z.string(),
  }),
  z.object({
    /** Why loading libsql or opening the database failed. */
    error: z.string(),
  }),
]);
export type SqliteCheck = z.infer<typeof sqliteCheck>;

/** What `engine/ping` answers: where the engine runs and whether it can open SQLite databases. */
const pingResult = z.object({
  /** Process id of the extension host (worker threads share their parent's process). */
  pid: z.number().int(),
  /** `worker_threads.threadId` of the engine; 0 would mean the main thread. */
  threadId: z.number().int(),
  /** `process.version` of the Node running the engine, e.g. `v24.21.0`. */
  node: z.string(),
  sqlite: sqliteCheck,
});
export type PingResult = z.infer<typeof pingResult>;

const logLevel = z.enum(['error', 'warn', 'info', 'debug']);
/** Severity of a forwarded log line; the same levels as the engine `Logger`. */
export type LogLevel = z.infer<typeof logLevel>;

const logParams = z.object({
  level: logLevel,
  /** The formatted line, arguments already substituted. */
  message: z.string(),
});
export type LogParams = z.infer<typeof logParams>;

/** Names a task of a task file. */
const taskRef = z.object({
  /** Absolute path of the task file (`gpt-batch.json`). */
  file: z.string(),
  task: z.string(),
});

/** How `task/run` runs a task; each maps to the engine options of the same name. */
export const runModes = [
  /** Run until done or until the pipeline waits on remote batches. */
  'run',
  /** `dryrun`: show what would be done, write nothing, call nothing. */
  'dryRun',
  /**
   * `commit_only`: generate and commit the whole task and send its pilot, if any, then stop before any batch is
   * formed or pushed; answers what the whole task is estimated at (`committed`). The next run pushes what it committed.
   */
  'commitOnly',
  /** `dryrun` + `force_direct` + `direct_verbose always` + `max_session_requests N`: the next N requests, no API call. */
  'previewRequests',
  /** `force_direct` + `direct_verbose always` + `max_session_requests N`: N requests through the direct API. */
  'directVerbose',
  /** `only_process`: process finished remote batches, generate and push nothing. */
  'onlyProcess',
  /** `wipe_requests`: forget every request and batch not yet processed (remote batches are cancelled). */
  'wipeRequests',
  /** `wipe_failed` (implies `wipe_requests`): also forget failed samples, so they are tried again. */
  'wipeFailed',
  /** `wipe_task`: delete the whole task state and output and start from scratch. */
  'wipeTask',
  /** `reinit_meta`: replace the stored task metadata by the task file's. */
  'reinitMeta',
  /** Load the task and report its status; nothing runs. */
  'status',
] as const;
const runMode = z.enum(runModes);
export type RunMode = z.infer<typeof runMode>;

const runParams = taskRef.extend({
  mode: runMode,
  /** Requests to execute or preview (`max_session_requests`) for previewRequests and directVerbose. */
  count: z.number().int().positive().optional(),
  /** With a wipe: only wipe, then stop (`no_run`). */
  noRun: z.boolean().optional(),
  /** Requests to send as a pilot before the first batch push (`pilot`), in place of the task file's; 0 sends none. */
  pilot: z.number().int().nonnegative().optional(),
  /** OpenAI API key of this run; never written anywhere. Falls back to the worker's OPENAI_API_KEY. */
  apiKey: z.string().optional(),
  /** Anthropic API key of this run (tasks of provider anthropic); never written anywhere. Falls back to the worker's ANTHROPIC_API_KEY. */
  anthropicApiKey: z.string().optional(),
});
export type RunParams = z.infer<typeof runParams>;

/** A request the run printed verbosely (preview or direct verbose): the request body and, once executed, the response. */
const verboseExchange = z.object({ requestId: z.number().int(), request: z.unknown(), response: z.unknown().optional() });
export type VerboseExchange = z.infer<typeof verboseExchange>;

const runResult = z.object({
  /** `done`: the task is complete; `incomplete`: work is left (waiting on batches, limits, dry run); `stopped`: Stop. */
  outcome: z.enum(['done', 'incomplete', 'stopped']),
  /** Requests printed verbosely, in order (previewRequests, directVerbose). */
  exchanges: z.array(verboseExchange),
  /** The log lines of the run, for `status` (the status block). */
  lines: z.array(z.string()),
  /** What a `commitOnly` run committed and what the whole task is estimated at. */
  committed: committedTaskSchema.optional(),
});
export type RunResult = z.infer<typeof runResult>;

const progressParams = z.object({
  task: z.string(),
  /** False in the last notification of a run, sent when it ended: its figures are the task's state after the run. */
  running: z.boolean(),
  /** Cost spent by this run so far (true cost of processed results). */
  sessionCost: z.number(),
  /** Cost spent by the task so far. */
  taskCost: z.number(),
  /** Estimated cost of what is committed and not processed yet: the queue, local and remote batches. */
  queuedEstimate: z.number(),
  /** Requests committed and not yet batched, and batches by place. */
  queuedRequests: z.number().int(),
  localBatches: z.number().int(),
  remoteBatches: z.number().int(),
  samples: z.object({ committed: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
  /** Share of the committed samples that are finished, in [0, 1]. */
  finishedShare: z.number(),
  /** The batches not processed yet, with the provider's request counts of remote ones. */
  batches: z.array(liveBatchSchema),
  /** The caps on spend and volume, with what they have used. */
  caps: z.array(spendCapSchema),
});
export type ProgressParams = z.infer<typeof progressParams>;

/** Request methods: each has params and a result, and one side that sends it. */
export const requestMethods = {
  /**
   * Extension → worker. Health check: answers where the engine runs. Starting the worker and pinging it is the
   * cheapest proof that the engine bundle loads.
   */
  'engine/ping': { params: emptyParams, result: pingResult },
  /**
   * Extension → worker. Graceful shutdown: the worker answers once it has stopped its work at a safe point, then
   * closes its port and exits with code 0. Sent on deactivate; the extension terminates the worker if no answer comes.
   */
  'engine/shutdown': { params: emptyParams, result: z.null() },
  /**
   * Extension → worker. Runs a task in a mode and answers when the run ended. One run at a time per task; progress
   * and "task changed" notifications flow meanwhile. A Stop makes it answer `stopped`.
   */
  'task/run': { params: runParams, result: runResult },
  /** Extension → worker. Stops the task's run at the next safe point, like Ctrl+C; answers at once. */
  'task/stop': { params: taskRef, result: z.object({ wasRunning: z.boolean() }) },
  /** Extension → reader. Reads every task of the task file from its database, read-only and without the lock (a task file error throws). */
  'tasks/snapshot': { params: z.object({ file: z.string() }), result: z.object({ tasks: z.array(taskSnapshotSchema) }) },
  /** Extension → reader. A page of a batch's requests, a sample group or a sample's attempts; `after` is the previous page's `next`. */
  'task/page': {
    params: taskRef.extend({ source: pageSourceSchema, after: z.string().optional(), limit: z.number().int().positive().max(1000) }),
    result: pageSchema,
  },
  /** Extension → reader. The JSON of a part of an attempt or of a sample's state, for a read-only preview. */
  'task/document': { params: taskRef.extend({ ref: documentRefSchema }), result: z.object({ json: z.unknown() }) },
  /** Extension → reader. What the task dashboard draws: progress, spend against the caps, batches, completion ratios. */
  'task/dashboard': { params: taskRef, result: dashboardDataSchema },
  /** Extension → reader. The samples whose key starts with `prefix`, in key order. */
  'samples/find': { params: taskRef.extend({ prefix: z.string(), limit: z.number().int().positive().max(1000) }), result: z.object({ samples: z.array(foundSampleSchema) }) },
  /** Extension → reader. Checks a task file's text; answers its problems with line and column. */
  'taskFile/check': {
    params: z.object({ file: z.string(), text: z.string() }),
    result: z.object({ problems: z.array(z.object({ message: z.string(), line: z.number().int().optional(), column: z.number().int().optional() })) }),
  },
  /** Extension → worker. Cancels a remote batch at the provider; the next run processes what it finished. */
  'batch/cancel': { params: taskRef.extend({ remoteId: z.string(), apiKey: z.string().optional(), anthropicApiKey: z.string().optional() }), result: z.object({ status: z.string() }) },
} as const;

/** Notification methods: params only, no answer. */
export const notificationMethods = {
  /** Worker → extension. One log line of the engine, written to the extension's output channel at its level. */
  'engine/log': logParams,
  /** Worker → extension. Costs, counts and caps of a running task, sent as the engine commits its work (coalesced). */
  'task/progress': progressParams,
  /** Worker → extension. A task's files changed (or its run started or ended); the tree refreshes that task. */
  'task/changed': z.object({ task: z.string(), running: z.boolean() }),
} as const;

export type RequestMethod = keyof typeof requestMethods;
export type NotificationMethod = keyof typeof notificationMethods;
export type RequestParams<M extends RequestMethod> = z.infer<(typeof requestMethods)[M]['params']>;
export type RequestResult<M extends RequestMethod> = z.infer<(typeof requestMethods)[M]['result']>;
export type NotificationParams<M extends NotificationMethod> = z.infer<(typeof notificationMethods)[M]>;

/** An error as it crosses the boundary; rebuilt by `deserializeError` into the class it had. */
export interface SerializedError {
  /** The error's class name, e.g. `InvalidInputError`. */
  name: string;
  /** `EngineError.reason` or `ProtocolError.reason`, when the error has one. */
  reason?: string;
  message: string;
  /** Stack as recorded on the side that threw it. */
  stack?: string;
  /** `CorruptedStateError.file`. */
  file?: string;
  /** `MissingApiKeyError.provider`. */
  provider?: KeyedProvider;
}

const serializedError = z.object({
  name: z.string(),
  reason: z.string().optional(),
  message: z.string(),
  stack: z.string().optional(),
  file: z.string().optional(),
  provider: z.enum(['openai', 'anthropic']).optional(),
});

/** Envelope of a request; `id` is unique among the sender's pending requests. */
export interface RequestEnvelope {
  kind: 'request';
  id: number;
  method: string;
  params: unknown;
}

/** Envelope of the answer to request `id`: exactly one of `result` and `error`. */
export type ResponseEnvelope = { kind: 'response'; id: number; result: unknown } | { kind: 'response'; id: number; error: SerializedError };

/** Envelope of a notification. */
export interface NotificationEnvelope {
  kind: 'notification';
  method: string;
  params: unknown;
}

export type Envelope = RequestEnvelope | ResponseEnvelope | NotificationEnvelope;

const envelope = z.union([
  z.object({ kind: z.literal('request'), id: z.number().int(), method: z.string(), params: z.unknown() }),
  z.union([
    z.object({ kind: z.literal('response'), id: z.number().int(), error: serializedError }),
    z.object({ kind: z.literal('response'), id: z.number().int(), result: z.unknown() }),
  ]),
  z.object({ kind: z.literal('notification'), method: z.string(), params: z.unknown() }),
]);

/** Checks the shape of an incoming message; throws a `ProtocolError` describing what is wrong. */
export function parseEnvelope(value: unknown): Envelope {
  const parsed = envelope.safeParse(value);
  if (!parsed.success) throw new ProtocolError('invalidMessage', `Malformed protocol message: ${z.prettifyError(parsed.error)}`);
  return parsed.data as Envelope;
}

export function isRequestMethod(method: string): method is RequestMethod {
  return Object.hasOwn(requestMethods, method);
}

export function isNotificationMethod(method: string): method is NotificationMethod {
  return Object.hasOwn(notificationMethods, method);
}

/** Validates `value` against a schema of this file; `what` names the payload in the error, e.g. `params of engine/ping`. */
export function parsePayload<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ProtocolError('invalidMessage', `Invalid ${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Why a protocol operation failed, as opposed to the engine failing. */
export type ProtocolErrorReason =
  /** No answer arrived within the request's timeout. */
  | 'timeout'
  /** The channel was closed (worker exited or the host disposed it) before the answer arrived. */
  | 'closed'
  /** The other side has no handler for the method. */
  | 'unknownMethod'
  /** A message or payload did not match the declared schema. */
  | 'invalidMessage';

/** A failure of the channel itself; `reason` says which. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly reason: ProtocolErrorReason,
    message: string,
  ) {
    super(message);
  }

  static is(error: unknown, reason?: ProtocolErrorReason): error is ProtocolError {
    return error instanceof ProtocolError && (reason === undefined || error.reason === reason);
  }
}

/** Turns anything thrown into plain data that keeps class name, reason, message and stack. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const serialized: SerializedError = { name: error.name, message: error.message };
  if (error.stack !== undefined) serialized.stack = error.stack;
  if (error instanceof EngineError || error instanceof ProtocolError) serialized.reason = error.reason;
  if (error instanceof CorruptedStateError) serialized.file = error.file;
  if (error instanceof MissingApiKeyError) serialized.provider = error.provider;
  return serialized;
}

const engineErrorReasons: ReadonlySet<string> = new Set<EngineErrorReason>([
  'invalidInput',
  'locked',
  'corruptedState',
  'aborted',
  'interrupted',
  'api',
]);
const protocolErrorReasons: ReadonlySet<string> = new Set<ProtocolErrorReason>(['timeout', 'closed', 'unknownMethod', 'invalidMessage']);

/**
 * Rebuilds an error received from the other side: engine errors become the matching `EngineError` subclass with the
 * same `reason`, protocol errors a `ProtocolError`, anything else a plain `Error` carrying the original name. The stack
 * is the one recorded where the error was thrown.
 */
export function deserializeError(serialized: SerializedError): Error {
  const error = rebuild(serialized);
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}

function rebuild({ name, reason, message, file, provider }: SerializedError): Error {
  switch (name) {
    case 'InvalidInputError':
      return new InvalidInputError(message);
    case 'MissingApiKeyError':
      return provider === undefined ? new InvalidInputError(message) : new MissingApiKeyError(provider, message);
    case 'CorruptedStateError':
      return new CorruptedStateError(file ?? '', message);
    case 'TaskLockedError':
      return new TaskLockedError(message);
    case 'InterruptedError':
      return new InterruptedError(message);
  }
  // An engine error class this side does not know yet still keeps its reason, which is what callers branch on.
  if (reason !== undefined && engineErrorReasons.has(reason)) return new EngineError(reason as EngineErrorReason, message);
  if (reason !== undefined && protocolErrorReasons.has(reason) && name === 'ProtocolError') {
    return new ProtocolError(reason as ProtocolErrorReason, message);
  }
  const error = new Error(message);
  error.name = name;
  return error;
}

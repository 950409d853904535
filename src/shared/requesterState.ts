import { z } from 'zod';

/**
 * The requester's persisted records. They are validated with these schemas on every load; an unknown or missing
 * field is an error, so a format drift is caught instead of silently misread.
 */

/** Estimated (or, in history entries, true) tokens and costs of a set of requests. Costs in the user's currency. */
export const tokensCostSchema = z.strictObject({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  max_output_tokens: z.number().int().nonnegative(),
  cost_input_direct: z.number().nonnegative(),
  cost_input_batch: z.number().nonnegative(),
  cost_output_direct: z.number().nonnegative(),
  cost_output_batch: z.number().nonnegative(),
});
export type TokensCost = z.infer<typeof tokensCostSchema>;

/** Requests and tokens/costs pushed or executed, for the session or the whole task. */
export const pushStatsSchema = z.strictObject({
  total_requests: z.number().int().nonnegative(),
  total_tokens_cost: tokensCostSchema,
});
export type PushStats = z.infer<typeof pushStatsSchema>;

const usageSchema: z.ZodType<UsageTotals> = z.lazy(() => z.record(z.string(), z.union([z.number(), usageSchema])));
/** Summed provider `usage` objects: numbers, and nested objects of numbers. */
export interface UsageTotals {
  [key: string]: number | UsageTotals;
}

/** Metrics of one bucket of results (succeeded, failed or total). */
export const requestMetricsSchema = z.strictObject({
  num_requests: z.number().int().nonnegative(),
  local_jsonl_size: z.number().int().nonnegative(),
  models: z.record(z.string(), z.number().int()),
  system_fingerprints: z.record(z.string(), z.number().int()),
  usage: usageSchema,
  max_output_tokens: z.number().int().nonnegative(),
  max_seen_output_tokens: z.number().int().nonnegative(),
  true_cost: z.number().nonnegative(),
});
export type RequestMetrics = z.infer<typeof requestMetricsSchema>;

/** Metrics of processed results: API calls and the three result buckets. */
export const apiMetricsSchema = z.strictObject({
  num_api_calls: z.number().int().nonnegative(),
  succeeded: requestMetricsSchema,
  failed: requestMetricsSchema,
  total: requestMetricsSchema,
});
export type ApiMetrics = z.infer<typeof apiMetricsSchema>;

/** What the engine keeps per request while it is in a batch (written beside the batch's JSONL). */
export const requestInfoSchema = z.strictObject({
  id: z.number().int().positive(),
  meta: z.record(z.string(), z.unknown()).nullable(),
  retry_num: z.number().int().nonnegative(),
  tokens_cost: tokensCostSchema,
  parse_info: z.record(z.string(), z.unknown()).nullable(),
});
export type RequestInfo = z.infer<typeof requestInfoSchema>;

/** The provider's file and batch objects as last received, and whether the batch reached a final status. */
export const remoteBatchSchema = z.strictObject({
  file: z.looseObject({ id: z.string(), bytes: z.number().optional() }),
  batch: z.looseObject({
    id: z.string(),
    status: z.string(),
    input_file_id: z.string(),
    output_file_id: z.string().nullable().optional(),
    error_file_id: z.string().nullable().optional(),
    created_at: z.number(),
  }),
  finished: z.boolean(),
});
export type RemoteBatch = z.infer<typeof remoteBatchSchema>;

/**
 * A push that was started: recorded before the upload so that a crash between upload, batch creation and the next
 * state save is reconciled on restart (the token is in the uploaded file's name and the batch's metadata).
 */
export const pushIntentSchema = z.strictObject({ token: z.string().min(1), started_at: z.number() });
export type PushIntent = z.infer<typeof pushIntentSchema>;

/**
 * The reason a local batch carries once part of it ran through the direct API: its file may then also hold the lines
 * of the requests executed since, until it is rewritten before a push.
 */
export const directUpdatedReason = 'Direct updated';

/** A local batch: unpushed (`remote` null) or pushed and not yet processed. */
export const batchStateSchema = z.strictObject({
  id: z.number().int().positive(),
  local_jsonl: z.string().min(1),
  local_jsonl_size: z.number().int().nonnegative(),
  num_requests: z.number().int().nonnegative(),
  tokens_cost: tokensCostSchema,
  full_batch: z.boolean(),
  reasons: z.array(z.string()),
  push: pushIntentSchema.nullable(),
  remote: remoteBatchSchema.nullable(),
});
export type BatchState = z.infer<typeof batchStateSchema>;

/** A processed batch (remote, or a virtual batch executed through the direct API), one line of the history file. */
export const historyEntrySchema = z.strictObject({
  kind: z.enum(['batch', 'direct']),
  id: z.number().int().positive(),
  num_requests: z.number().int().nonnegative(),
  local_jsonl_size: z.number().int().nonnegative(),
  tokens_cost: tokensCostSchema,
  true_tokens_cost: tokensCostSchema,
  true_cost: z.number().nonnegative(),
  metrics: apiMetricsSchema,
  full_batch: z.boolean(),
  reasons: z.array(z.string()),
  remote_batch_id: z.string(),
  status: z.string(),
  failed: z.boolean(),
  created_at: z.number(),
  finished_at: z.number(),
  processed_at: z.number(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** The requester's counters and active batches, as saved in the task database. Its size does not depend on the task's size. */
export const requesterStateSchema = z.strictObject({
  version: z.literal(1),
  endpoint: z.string().min(1),
  max_request_id: z.number().int().nonnegative(),
  max_batch_id: z.number().int().nonnegative(),
  max_direct_batch_id: z.number().int().nonnegative(),
  /** The active batches (local and remote); processed ones are rows of the task database's batch table. */
  batches: z.array(batchStateSchema),
  task_push_stats: pushStatsSchema,
  metrics: z.strictObject({ direct: apiMetricsSchema, batch: apiMetricsSchema, all: apiMetricsSchema }),
  num_pass_failures: z.number().int().nonnegative(),
});
export type RequesterState = z.infer<typeof requesterStateSchema>;

const customIdPattern = /^id-[0-9]+$/;

/** One line of a batch input file, exactly as uploaded to the provider. */
export const batchInputLineSchema = z.strictObject({
  custom_id: z.string().regex(customIdPattern),
  method: z.literal('POST'),
  url: z.string(),
  body: z.record(z.string(), z.unknown()),
});
export type BatchInputLine = z.infer<typeof batchInputLineSchema>;

/** What {@link batchInputLineSchema} checks, without its cost: for reading back the batch files the engine wrote. */
export function isBatchInputLine(value: unknown): value is BatchInputLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const line = value as Record<string, unknown>;
  const { body } = line;
  let keys = 0;
  for (const key in line) {
    if (key !== 'custom_id' && key !== 'method' && key !== 'url' && key !== 'body') return false;
    keys += 1;
  }
  return (
    keys === 4 && typeof line.custom_id === 'string' && customIdPattern.test(line.custom_id) && line.method === 'POST' && typeof line.url === 'string' && typeof body === 'object' && body !== null && !Array.isArray(body)
  );
}

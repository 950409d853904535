import { TokenCoster } from '../engine';
import { parseJsonColumn } from '../engine/db/json';
import { latestPilotForecast } from '../engine/db/pilotForecasts';
import { RequesterRecords } from '../engine/db/requesterRecords';
import type { TaskDb } from '../engine/db/taskDb';
import { unsentPrices } from '../engine/requester/committedWork';
import { roundHalfEven } from '../engine/tokens/rounding';
import type { RequesterOptions } from '../shared/options';
import type { CommittedEstimate } from '../shared/taskSnapshot';

/** The options an estimate depends on: the prices, the completion ratio and what decides direct or batch prices. */
export type EstimateOptions = Pick<
  RequesterOptions,
  | 'cost_input_direct_mtoken'
  | 'cost_input_cached_mtoken'
  | 'cost_input_batch_mtoken'
  | 'cost_output_direct_mtoken'
  | 'cost_output_batch_mtoken'
  | 'cost_input_batch_cached_mtoken'
  | 'assumed_completion_ratio'
  | 'pilot_update_ratio'
  | 'force_direct'
  | 'min_batch_requests'
  | 'direct_service_tier'
>;

/**
 * The completion ratio a run of the task estimates with: the latest pilot's measured one with `pilot_update_ratio`,
 * else the `completion_ratio` of the task's meta (the demos' convention, task-manager.md `onTaskEnter`), else the
 * `assumed_completion_ratio` option. A module task that sets its ratio some other way is estimated with the option's.
 */
function completionRatioOf(db: TaskDb, options: EstimateOptions): number {
  const forecast = options.pilot_update_ratio ? latestPilotForecast(db) : undefined;
  if (forecast !== undefined) return forecast.completionRatio.expected;
  const row = db.get<{ meta: string }>('SELECT meta FROM task');
  const meta = row === undefined ? undefined : (parseJsonColumn(db.file, 'task.meta', row.meta) as { completion_ratio?: unknown } | null);
  const fromMeta = meta?.completion_ratio;
  if (typeof fromMeta === 'number' && fromMeta >= 0 && fromMeta <= 1) return fromMeta;
  return options.assumed_completion_ratio ?? 0.5;
}

/**
 * What the task's committed, unprocessed requests are estimated at, the way a run estimates them
 * (requester/committedWork.ts): the queue and the local batches at the prices they would be sent at, the remote
 * batches at batch prices. The queue is summed in SQL over its stored token counts, so that a queue of a million
 * requests costs one query, not a million rows in memory; undefined for a task whose requester never saved.
 */
export function readCommittedEstimate(db: TaskDb, records: RequesterRecords, options: EstimateOptions): CommittedEstimate | undefined {
  const state = records.loadState();
  if (state === undefined) return undefined;
  const queue = records.queueTotals();
  const local = state.batches.filter((b) => b.remote === null);
  const remote = state.batches.filter((b) => b.remote !== null);
  const prices = unsentPrices(options, queue.count + local.reduce((n, b) => n + b.num_requests, 0));
  const coster = new TokenCoster(options);
  const ratio = completionRatioOf(db, options);
  const queueCost = coster.estimate(queue.input_tokens, roundHalfEven(queue.max_output_tokens * ratio));
  const atUnsentPrices = (c: { cost_input_direct: number; cost_output_direct: number; cost_input_batch: number; cost_output_batch: number }) =>
    prices === 'direct' ? c.cost_input_direct + c.cost_output_direct : c.cost_input_batch + c.cost_output_batch;
  return {
    prices,
    queue: atUnsentPrices(queueCost),
    local: local.reduce((sum, b) => sum + atUnsentPrices(b.tokens_cost), 0),
    remote: remote.reduce((sum, b) => sum + b.tokens_cost.cost_input_batch + b.tokens_cost.cost_output_batch, 0),
  };
}

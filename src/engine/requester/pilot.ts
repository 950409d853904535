import { describePilotForecast, type PilotForecast } from '../../shared/pilotForecast';
import { latestPilotForecast, savePilotForecast } from '../db/pilotForecasts';
import type { TaskDb } from '../db/taskDb';
import type { Logger } from '../log';
import { cachedFromStored, type CachedRequest } from './cachedRequest';
import { formatForecastCost, unsentPrices } from './committedWork';
import type { RequestCosting } from './costing';
import { directRequests } from './direct';
import { forecastOf, measurePilot, type RemainingWork } from './pilotMeasure';
import type { BatchResultHandler } from './processing';
import type { Requester } from './requester';
import type { ResultInfo } from './results';

/**
 * The pilot's sample: queued requests whose answers an interrupted pilot already stored (so none is asked twice),
 * then requests at evenly spaced positions of the queue up to `size`. The same queue gives the same sample.
 */
function pilotSample(r: Requester, size: number): CachedRequest[] {
  const db = r.records.db;
  const ids = new Set(
    db
      .all<{ id: number }>('SELECT q.id FROM requests q JOIN results s ON s.request_id = q.id WHERE q.batch_id IS NULL AND s.processed = 0 ORDER BY q.id LIMIT ?', size)
      .map((row) => row.id),
  );
  const queued = r.queue.length;
  for (let i = 0; i < size && ids.size < size; i += 1) {
    const row = db.get<{ id: number }>('SELECT id FROM requests WHERE batch_id IS NULL ORDER BY id LIMIT 1 OFFSET ?', Math.floor(((i + 0.5) * queued) / size));
    if (row !== undefined) ids.add(row.id);
  }
  return [...ids]
    .sort((a, b) => a - b)
    .flatMap((id) => r.records.queuePage(id - 1, 1).filter((stored) => stored.id === id))
    .map((stored) => cachedFromStored(stored, r.endpoint, r.costing));
}

/** What is left to send after the pilot: the queue and the local batches, costed at the prices they will be sent at. */
function remainingWork(r: Requester): RemainingWork {
  const local = r.unpushedBatches;
  const requests = r.queue.length + local.reduce((n, b) => n + b.num_requests, 0);
  return {
    requests,
    inputTokens: r.queue.tokensCost.input_tokens + local.reduce((n, b) => n + b.tokens_cost.input_tokens, 0),
    maxOutputTokens: r.queue.tokensCost.max_output_tokens + local.reduce((n, b) => n + b.tokens_cost.max_output_tokens, 0),
    prices: unsentPrices(r.options, requests),
  };
}

/**
 * Runs a pilot of `--pilot` requests sampled across the queue through the direct API, before the first batch push.
 * Its answers are real results: the task processes them like any others, and they leave the queue for good. From
 * them it forecasts the whole task's cost, logs and stores the forecast, and with `--pilot_update_ratio` makes the
 * measured completion ratio the assumed one. Undefined when the queue is too small for a pilot or none was answered.
 */
export async function runPilot(r: Requester, handler: BatchResultHandler): Promise<PilotForecast | undefined> {
  const size = r.options.pilot;
  const queued = r.queue.length;
  if (queued <= size) {
    r.logger.info(`No pilot: the ${queued} queued requests are not more than the ${size} a pilot sends (--pilot)`);
    return undefined;
  }
  const sample = pilotSample(r, size);
  r.logger.info(`Pilot: sending ${sample.length} of the ${queued} queued requests, spread across the queue, through the direct API before the first push`);
  const spentBefore = r.state.metrics.all.total.true_cost;
  const results: ResultInfo[] = [];
  await directRequests(
    r,
    sample,
    async (u, result) => {
      await handler(u, result);
      results.push(...result.results);
    },
    (u, executed, retries) => {
      // Retries are queued, so an interruption keeps them; a later direct batch of the pilot takes them out again.
      r.queue.withdraw(u, executed);
      r.records.insertRequests(u.tx, retries);
      r.queue.append(u, retries);
    },
  );
  const measured = measurePilot(results);
  if (measured === undefined) {
    r.logger.warn('The pilot got no answer, so there is no forecast');
    return undefined;
  }
  const assumedCompletionRatio = r.costing.assumedCompletionRatio;
  if (r.options.pilot_update_ratio) r.costing.setAssumedCompletionRatio(measured.completionRatio.expected);
  const forecast = forecastOf(
    r.costing,
    measured,
    {
      requests: sample.length,
      cost: r.state.metrics.all.total.true_cost - spentBefore,
      spentBefore,
      assumedCompletionRatio,
      ratioApplied: r.options.pilot_update_ratio,
      createdAt: Math.floor(r.clock() / 1000),
    },
    remainingWork(r),
  );
  await r.unit(async (u) => savePilotForecast(u.tx, forecast));
  for (const line of describePilotForecast(forecast, formatForecastCost)) r.logger.info(line);
  return forecast;
}

/** With `--pilot_update_ratio`, a later run estimates with the ratio the task's latest pilot measured. */
export function applyStoredPilotRatio(db: TaskDb, costing: RequestCosting, logger: Logger): void {
  const forecast = latestPilotForecast(db);
  if (forecast === undefined) return;
  costing.setAssumedCompletionRatio(forecast.completionRatio.expected);
  logger.info(`Assuming the completion ratio ${forecast.completionRatio.expected.toFixed(3)} that the task's pilot measured (--pilot_update_ratio)`);
}

import { type CommittedTask, wholeTaskEstimate } from '../../shared/committedTask';
import type { RequesterOptions } from '../../shared/options';
import type { PilotForecast } from '../../shared/pilotForecast';
import { costBatch, costDirect } from './accounting';
import type { Requester } from './requester';

/** How forecast and estimated costs are written in the log. */
export const formatForecastCost = (cost: number): string => cost.toFixed(4);

/**
 * The prices `requests` still unsent requests will be billed at: direct ones when they would run direct
 * (`force_direct`, or fewer than `min_batch_requests`), unless at the flex tier, which bills batch prices.
 */
export function unsentPrices(options: Pick<RequesterOptions, 'force_direct' | 'min_batch_requests' | 'direct_service_tier'>, requests: number): 'batch' | 'direct' {
  const direct = options.force_direct || requests < options.min_batch_requests;
  return direct && options.direct_service_tier !== 'flex' ? 'direct' : 'batch';
}

/**
 * The committed requests not processed yet and their estimated cost: the queue and the local batches at the prices
 * they would be sent at, the remote batches at batch prices; with what the task has spent so far.
 */
export function committedTask(r: Requester, pilotForecast: PilotForecast | undefined): CommittedTask {
  const local = r.unpushedBatches;
  const unsent = r.queue.length + local.reduce((n, b) => n + b.num_requests, 0);
  const cost = unsentPrices(r.options, unsent) === 'direct' ? costDirect : costBatch;
  const remote = r.remoteBatches;
  return {
    requests: unsent + remote.reduce((n, b) => n + b.num_requests, 0),
    estimatedCost: cost(r.queue.tokensCost) + local.reduce((sum, b) => sum + cost(b.tokens_cost), 0) + remote.reduce((sum, b) => sum + costBatch(b.tokens_cost), 0),
    spentCost: r.state.metrics.all.total.true_cost,
    ...(pilotForecast === undefined ? {} : { pilotForecast }),
  };
}

/** The figures of a commit-only run at its stop (`commit_only`), logged. */
export function reportCommitted(r: Requester, forecast: PilotForecast | undefined): CommittedTask {
  const c = committedTask(r, forecast);
  const estimated = formatForecastCost(c.estimatedCost);
  const total = c.spentCost > 0 ? `${estimated} plus ${formatForecastCost(c.spentCost)} spent: ${formatForecastCost(wholeTaskEstimate(c))}` : estimated;
  r.logger.info(`Whole task committed: ${c.requests} requests to send, estimated at ${total} in total; stopping before any batch is formed or pushed (--commit_only)`);
  return c;
}

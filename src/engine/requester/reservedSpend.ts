import type { BatchState, PushStats, TokensCost } from '../../shared/requesterState';
import type { SpendCap } from '../../shared/taskEvent';
import type { UnitContext } from '../store/unit';
import { addPushStats, batchPart, costAll, costBatch, costDirect, subtractPushStats } from './accounting';
import type { BatchResult } from './batchResult';
import type { Requester } from './requester';

/**
 * Reserved spend. The push statistics that the task and session caps count hold, for every pushed batch, its
 * predicted cost while it is in flight (reserved: pushed and not yet processed) and its true cost once it is
 * processed (spent): `reconcileSpend` replaces the one by the other. So a cap counts what is committed, and with
 * many batches in flight a push that would take reserved plus spent past the cap waits.
 */

/**
 * The true tokens and cost of processed requests in the shape of their prediction: all in the batch fields for a
 * remote batch, all in the direct fields for a virtual batch of direct requests (flex answers included, as
 * `directShare` predicts them).
 */
function truePart(result: BatchResult, place: 'batch' | 'direct'): TokensCost {
  const t = result.true_tokens_cost;
  const estimated = place === 'batch' ? costBatch(t) : costDirect(t);
  // The true cost counts cached input at its discount, which the token-based figures do not; it is split like them.
  const inputShare = estimated > 0 ? (place === 'batch' ? t.cost_input_batch : t.cost_input_direct) / estimated : 0;
  const input = result.true_cost * inputShare;
  const output = result.true_cost - input;
  return place === 'batch'
    ? { ...t, cost_input_direct: 0, cost_output_direct: 0, cost_input_batch: input, cost_output_batch: output }
    : { ...t, cost_input_batch: 0, cost_output_batch: 0, cost_input_direct: input, cost_output_direct: output };
}

/**
 * What a processed virtual batch of direct requests adds to the push statistics: its true tokens and cost, known by
 * then. A dry run has no answers and so counts the prediction `assumed`.
 */
export function directSpend(r: Requester, result: BatchResult, assumed: TokensCost): TokensCost {
  return r.dryrun ? assumed : truePart(result, 'direct');
}

/** Whether a remote batch was pushed in this session (the session caps count only those). */
export function pushedThisSession(r: Requester, batch: BatchState): boolean {
  return batch.remote !== null && batch.remote.batch.created_at >= Math.floor(r.openedAt / 1000);
}

/**
 * Replaces the prediction of a processed remote batch by its true tokens and cost in the task's push statistics, and
 * in the session's if it was pushed in this session; part of the unit that saves the batch's results. A virtual
 * batch of direct requests is counted only when it is processed, at its true cost (`directSpend`).
 */
export function reconcileSpend(r: Requester, u: UnitContext, result: BatchResult): void {
  if (result.direct || result.batch.remote === null) return;
  r.guard(u);
  const predicted = batchPart(result.batch.tokens_cost);
  const actual = truePart(result, 'batch');
  const reconcile = (stats: PushStats) => addPushStats(subtractPushStats(stats, 0, predicted), 0, actual);
  r.state.task_push_stats = reconcile(r.state.task_push_stats);
  if (pushedThisSession(r, result.batch)) r.session.push_stats = reconcile(r.session.push_stats);
  const difference = costBatch(actual) - costBatch(predicted);
  r.logger.info(`Reconciled the spend of batch ${result.batch.id}: ${costBatch(actual).toFixed(3)} true cost in place of ${costBatch(predicted).toFixed(3)} reserved (${difference >= 0 ? '+' : ''}${difference.toFixed(3)})`);
}

/** What is reserved: the predictions of batches in flight. */
interface InFlight {
  requests: number;
  batches: number;
  tokens: number;
  cost: number;
}

function inFlight(batches: BatchState[]): InFlight {
  return {
    requests: batches.reduce((sum, b) => sum + b.num_requests, 0),
    batches: batches.length,
    tokens: batches.reduce((sum, b) => sum + b.tokens_cost.input_tokens, 0),
    cost: batches.reduce((sum, b) => sum + costBatch(b.tokens_cost), 0),
  };
}

/** The caps of one scope (task, session) over its push statistics and what of it is in flight. */
function scopeCaps(scope: string, stats: PushStats, reserved: InFlight, limits: { requests: number; tokens: number; cost: number }): SpendCap[] {
  const cap = (option: string, unit: SpendCap['unit'], limit: number, used: number, held: number): SpendCap => ({ option, unit, limit, used, reserved: Math.min(held, used), spent: Math.max(0, used - held) });
  return [
    cap(`max_${scope}_cost`, 'cost', limits.cost, costAll(stats.total_tokens_cost), reserved.cost),
    cap(`max_${scope}_ktokens`, 'tokens', limits.tokens, stats.total_tokens_cost.input_tokens, reserved.tokens),
    cap(`max_${scope}_requests`, 'requests', limits.requests, stats.total_requests, reserved.requests),
  ];
}

/** What the caps of a task are measured against: its push statistics, batches and options. */
export interface CapInputs {
  taskPushStats: PushStats;
  /** The task's batches not yet processed (local and remote). */
  batches: BatchState[];
  options: { max_task_cost: number; max_task_requests: number; max_remote_cost: number; max_remote_requests: number; max_remote_batches: number; max_session_cost: number; max_session_requests: number };
  /** Input tokens, after the token safety factor, as pushing checks them. */
  limits: { max_task_tokens: number; max_remote_tokens: number; max_session_tokens: number };
  /** The running session: its push statistics and when it opened (seconds); none for a reader outside a run. */
  session?: { pushStats: PushStats; openedAt: number };
}

/**
 * Every cap that pushing checks (engine.md 5.3) with what it has spent, what it holds reserved for batches in flight
 * and, as `used`, their sum: a push waits when `used` plus the batch's prediction would pass `limit`.
 */
export function spendCaps(c: CapInputs): SpendCap[] {
  const o = c.options;
  const remote = c.batches.filter((b) => b.remote !== null);
  const held = inFlight(remote);
  const caps: SpendCap[] = [];
  if (c.session !== undefined) {
    const openedAt = c.session.openedAt;
    const ofSession = inFlight(remote.filter((b) => (b.remote?.batch.created_at ?? 0) >= openedAt));
    caps.push(...scopeCaps('session', c.session.pushStats, ofSession, { requests: o.max_session_requests, tokens: c.limits.max_session_tokens, cost: o.max_session_cost }));
  }
  caps.push(...scopeCaps('task', c.taskPushStats, held, { requests: o.max_task_requests, tokens: c.limits.max_task_tokens, cost: o.max_task_cost }));
  const reservedOnly = (option: string, unit: SpendCap['unit'], limit: number, reserved: number): SpendCap => ({ option, unit, limit, used: reserved, reserved, spent: 0 });
  caps.push(
    reservedOnly('max_remote_cost', 'cost', o.max_remote_cost, held.cost),
    reservedOnly('max_remote_ktokens', 'tokens', c.limits.max_remote_tokens, held.tokens),
    reservedOnly('max_remote_requests', 'requests', o.max_remote_requests, held.requests),
    reservedOnly('max_remote_batches', 'batches', o.max_remote_batches, held.batches),
  );
  return caps;
}

/** The caps of a running requester, as `reasonsNotToPush` counts them. */
export function requesterSpendCaps(r: Requester): SpendCap[] {
  return spendCaps({
    taskPushStats: r.state.task_push_stats,
    batches: r.state.batches,
    options: r.options,
    limits: r.limits,
    session: { pushStats: r.session.push_stats, openedAt: Math.floor(r.openedAt / 1000) },
  });
}

/** One line per cost cap for the log and `gpt-batch status`: spent, reserved and remaining. */
export function capCostLines(caps: SpendCap[]): string[] {
  return caps.filter((cap) => cap.unit === 'cost').map((cap) => `${cap.option} ${cap.limit.toFixed(3)}: ${cap.spent.toFixed(3)} spent + ${cap.reserved.toFixed(3)} reserved in flight, ${Math.max(0, cap.limit - cap.used).toFixed(3)} remaining`);
}

import type { BatchProvider } from '../engine';
import { capCostLines } from '../engine';
import { describePilotForecast } from '../shared/pilotForecast';
import type { BatchSummary, TaskSnapshot } from '../shared/taskSnapshot';
import type { SpendCap } from '../shared/taskEvent';

/** The live status the provider reports for a remote batch (with `--remote`). */
export interface LiveBatchStatus {
  status: string;
  completed: number;
  failed: number;
  total: number;
}

/**
 * The lines `gpt-batch status` prints: read from the task database read-only, so they describe the last unit of
 * work a run (possibly one going on right now) committed.
 */
export function statusReport(snapshot: TaskSnapshot, caps: SpendCap[], live: ReadonlyMap<string, LiveBatchStatus | string>, outputExpiresAfterDays: number, nowSeconds: number): string[] {
  const s = snapshot.samples;
  const byPlace = (place: BatchSummary['place']) => snapshot.batches.filter((b) => b.place === place);
  const local = byPlace('local');
  const remote = byPlace('remote');
  const processed = byPlace('processed').length + byPlace('direct').length + snapshot.olderProcessed;
  const lines = [
    `Task '${snapshot.name}' in ${snapshot.taskDir}`,
    `Samples: ${s.succeeded} succeeded, ${s.failed} failed, ${s.pending} pending`,
    `Requests: ${snapshot.queuedRequests} queued (in no batch yet), ${local.reduce((n, b) => n + b.numRequests, 0)} in ${local.length} local batch(es)`,
    `Remote batches: ${remote.length === 0 ? 'none' : ''}`,
  ];
  for (const b of remote) {
    const answer = b.remoteId === undefined ? undefined : live.get(b.remoteId);
    const saved = `${b.status}${b.completed !== undefined ? `, ${b.completed + (b.failed ?? 0)}/${b.numRequests} done` : `, ${b.numRequests} requests`}`;
    const now =
      answer === undefined ? '' : typeof answer === 'string' ? ` (provider: ${answer})` : ` (provider now: ${answer.status}, ${answer.completed + answer.failed}/${answer.total} done, ${answer.failed} failed)`;
    lines.push(`  batch ${b.id} = ${b.remoteId ?? '?'}: ${saved}${now}${resultsExpiry(b, outputExpiresAfterDays, nowSeconds)}`);
  }
  if (remote.some((b) => b.finishedAt === undefined)) {
    lines.push(`  (the provider keeps the results of a batch ${outputExpiresAfterDays} day(s) after writing them, see --output_expires_after; run the task to download them)`);
  }
  lines.push(`Processed batches: ${processed}`);
  lines.push(`Cost: ${snapshot.taskCost.toFixed(4)} spent (true cost of what was processed), ${snapshot.queuedEstimate.toFixed(4)} estimated for what is committed and not processed:`);
  lines.push(...estimateLines(snapshot));
  const capLines = capCostLines(caps);
  if (capLines.length > 0) lines.push('Cost caps (reserved: the estimates of batches in flight, until their true cost is known):', ...capLines.map((line) => `  ${line}`));
  if (snapshot.pilotForecast !== undefined) lines.push(...describePilotForecast(snapshot.pilotForecast, (cost) => cost.toFixed(4)));
  return lines;
}

/** The parts of the estimate: what is not sent yet at the prices it would be sent at, and what is in flight. */
function estimateLines(snapshot: TaskSnapshot): string[] {
  const e = snapshot.estimate;
  const local = snapshot.batches.filter((b) => b.place === 'local');
  const remote = snapshot.batches.filter((b) => b.place === 'remote');
  const localRequests = local.reduce((n, b) => n + b.numRequests, 0);
  return [
    `  ${e.queue.toFixed(4)} for the ${snapshot.queuedRequests} queued requests and ${e.local.toFixed(4)} for the ${localRequests} in local batches, at ${e.prices} prices`,
    `  ${e.remote.toFixed(4)} for the ${remote.reduce((n, b) => n + b.numRequests, 0)} requests in remote batches, at batch prices`,
  ];
}

/** When the results of a finished, not yet processed batch are deleted by the provider (output files live from the batch's end). */
function resultsExpiry(b: BatchSummary, days: number, nowSeconds: number): string {
  if (b.finishedAt === undefined) return '';
  const expiresAt = b.finishedAt + Math.round(days * 86_400);
  const left = expiresAt - nowSeconds;
  const when = new Date(expiresAt * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  if (left <= 0) return `; its results were not downloaded and expired at ${when}`;
  return `; results not yet downloaded, they expire at ${when} (in ${(left / 3600).toFixed(1)} h): run the task to download them`;
}

/** Asks the provider for the live status of each remote batch; an error is reported per batch, not thrown. */
export async function liveBatchStatuses(provider: BatchProvider, snapshot: TaskSnapshot): Promise<Map<string, LiveBatchStatus | string>> {
  const out = new Map<string, LiveBatchStatus | string>();
  for (const b of snapshot.batches) {
    if (b.place !== 'remote' || b.remoteId === undefined) continue;
    try {
      const batch = await provider.retrieveBatch(b.remoteId, '');
      const counts = batch.request_counts;
      out.set(b.remoteId, { status: batch.status, completed: counts?.completed ?? 0, failed: counts?.failed ?? 0, total: counts?.total || b.numRequests });
    } catch (error) {
      out.set(b.remoteId, `could not be asked: ${(error as Error).message}`);
    }
  }
  return out;
}

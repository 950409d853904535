import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultEndpoint } from '../../src/shared/options';
import type { HistoryEntry, RequesterState } from '../../src/shared/requesterState';
import { zeroApiMetrics, zeroPushStats, zeroTokensCost } from '../../src/engine/requester/accounting';
import { RequesterFiles } from '../../src/engine/requester/files';
import { TaskState } from '../../src/engine/taskManager/taskState';

/** Requests per processed batch in the fabricated history. */
export const historyBatchSize = 1_000;

/** The task key of sample `index`; `largeTaskValue` is what the bench task stores for a succeeded sample. */
export const sampleKey = (index: number): string => `sample-${index}`;
export const largeTaskValue = (index: number): { word: string } => ({ word: `word-${index}` });

/**
 * Writes, in the formats the engine reads, a task under `dir`/`prefix` that has already finished `finished`
 * requests: one succeeded sample per request in the task state snapshot, one output line per sample, one history
 * line per 1,000 requests and the matching requester counters. Nothing is queued, batched or pending.
 */
export function writeFinishedTask(dir: string, prefix: string, finished: number): void {
  const committed: Record<string, null> = {};
  const succeeded: Record<string, { word: string }> = {};
  for (let i = 0; i < finished; i += 1) {
    committed[sampleKey(i)] = null;
    succeeded[sampleKey(i)] = largeTaskValue(i);
  }
  const snapshot = { version: 1, meta: {}, committed_meta: {}, committed_samples: committed, responded_meta: {}, failed_samples: {}, succeeded_samples: succeeded };
  writeFileSync(TaskState.snapshotPath(dir, prefix), `${JSON.stringify(snapshot)}\n`);
  writeFileSync(TaskState.changesPath(dir, prefix), '');

  const batches = Math.ceil(finished / historyBatchSize);
  const state: RequesterState = {
    ...RequesterFiles.freshState(defaultEndpoint),
    max_request_id: finished,
    max_batch_id: batches,
    history: { lines: batches },
    task_push_stats: { ...zeroPushStats(), total_requests: finished },
  };
  const files = new RequesterFiles(dir, prefix);
  writeFileSync(files.statePath, `${JSON.stringify(state, null, 2)}\n`);
  writeFileSync(files.queuePath, '');
  const history: string[] = [];
  for (let id = 1; id <= batches; id += 1) {
    const entry: HistoryEntry = {
      kind: 'batch',
      id,
      num_requests: historyBatchSize,
      local_jsonl_size: 0,
      tokens_cost: zeroTokensCost(),
      true_tokens_cost: zeroTokensCost(),
      true_cost: 0,
      metrics: zeroApiMetrics(),
      full_batch: true,
      reasons: ['Max batch requests'],
      remote_batch_id: `batch_${id}`,
      status: 'completed',
      failed: false,
      created_at: id,
      finished_at: id,
      processed_at: id,
    };
    history.push(`${JSON.stringify(entry)}\n`);
  }
  writeFileSync(files.historyPath, history.join(''));

  const output: string[] = [];
  for (let i = 0; i < finished; i += 1) output.push(`${JSON.stringify({ key: sampleKey(i), ...largeTaskValue(i) })}\n`);
  writeFileSync(path.join(dir, `${prefix}_output.jsonl`), output.join(''));
}

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultEndpoint } from '../../src/shared/options';
import type { HistoryEntry } from '../../src/shared/requesterState';
import { zeroApiMetrics, zeroPushStats, zeroTokensCost } from '../../src/engine/requester/accounting';
import { RequesterRecords } from '../../src/engine/db/requesterRecords';
import { TaskDb, taskDbPath } from '../../src/engine/db/taskDb';

/** Requests per processed batch in the fabricated history. */
export const historyBatchSize = 1_000;

/** The task key of sample `index`; `largeTaskValue` is what the bench task stores for a succeeded sample. */
export const sampleKey = (index: number): string => `sample-${index}`;
export const largeTaskValue = (index: number): { word: string } => ({ word: `word-${index}` });

/**
 * Writes, straight into a task database, a task under `dir`/`prefix` that has already finished `finished` requests:
 * one succeeded sample per request, each request with its stored result, one processed batch per 1,000 requests,
 * the matching requester counters and one output line per sample. Nothing is queued, batched or pending.
 */
export function writeFinishedTask(dir: string, prefix: string, finished: number): void {
  const db = TaskDb.openForWriting(taskDbPath(dir));
  const batches = Math.ceil(finished / historyBatchSize);
  const { batches: active, ...counters } = {
    ...RequesterRecords.freshState(defaultEndpoint),
    max_request_id: finished,
    max_batch_id: batches,
    task_push_stats: { ...zeroPushStats(), total_requests: finished },
  };
  const counts = { committed: finished, pending: 0, responded: finished, succeeded: finished, failed: 0, mixed: 0 };
  db.transaction(() => {
    db.run("INSERT INTO task (id, task_id, created_at, meta, committed_meta, responded_meta, sample_counts) VALUES (1, 'bench', 0, '{}', '{}', '{}', ?)", JSON.stringify(counts));
    db.run('INSERT INTO requester (id, state) VALUES (1, ?)', JSON.stringify(counters));
    for (let id = 1; id <= batches + active.length; id += 1) {
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
      db.run(
        "INSERT INTO batches (kind, id, place, remote_batch_id, status, num_requests, estimated_cost, true_cost, created_at, processed_seq, record) VALUES ('batch', ?, 'processed', ?, 'completed', ?, 0, 0, ?, ?, ?)",
        id,
        entry.remote_batch_id,
        historyBatchSize,
        id,
        id,
        JSON.stringify(entry),
      );
    }
    for (let i = 0; i < finished; i += 1) {
      const id = i + 1;
      const key = sampleKey(i);
      const payload = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Give a word for ${key}` }], max_completion_tokens: 20 });
      db.run(
        "INSERT INTO requests (id, batch_kind, batch_id, sample_key, retry_num, payload, meta, parse_info, input_tokens, max_output_tokens, size, tokens_cost) VALUES (?, 'batch', ?, ?, 0, ?, ?, '{}', 14, 20, 160, '{}')",
        id,
        Math.floor(i / historyBatchSize) + 1,
        key,
        payload,
        JSON.stringify({ sample_key: key }),
      );
      db.run("INSERT INTO results (request_id, processed, outcome, finish_reason, usage, result, answered_at) VALUES (?, 1, 'succeeded', 'stop', '{}', ?, 0)", id, JSON.stringify({ req_id: id, answer: largeTaskValue(i) }));
      db.run('INSERT INTO samples (key, committed, succeeded, failed) VALUES (?, ?, ?, NULL)', key, 'null', JSON.stringify(largeTaskValue(i)));
    }
  });
  db.close();

  const output: string[] = [];
  for (let i = 0; i < finished; i += 1) output.push(`${JSON.stringify({ key: sampleKey(i), ...largeTaskValue(i) })}\n`);
  writeFileSync(path.join(dir, `${prefix}_output.jsonl`), output.join(''));
}

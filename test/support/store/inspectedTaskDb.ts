import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';

/**
 * Writes a task database with `samples` samples straight through SQL, in the engine's layout, for tests and
 * benchmarks of the editor's reads: far faster than running the engine, and exact about what is where.
 *
 * Sample i (key `s0000000i`, meta `{ sample_key, text }`) has one attempt, request id i + 1, in processed batch
 * `floor(i / batchSize) + 1`. Every `failEvery`-th sample failed: its first attempt errored and was retried (request
 * id `samples + …`, retry 1, in the last batch), and the retry failed as well. Every `cutEvery`-th sample's answer
 * finished with `length`, every `refuseEvery`-th was refused; both still succeeded.
 */
export interface InspectedTaskShape {
  samples: number;
  batchSize: number;
  failEvery: number;
  cutEvery: number;
  refuseEvery: number;
}

export function sampleKey(index: number): string {
  return `s${String(index).padStart(8, '0')}`;
}

export function writeInspectedTaskDb(dir: string, shape: InspectedTaskShape): void {
  const db = TaskDb.openForWriting(taskDbPath(dir));
  try {
    const failed = (i: number) => i % shape.failEvery === 0;
    const failedCount = Math.floor((shape.samples - 1) / shape.failEvery) + 1;
    const batches = Math.ceil(shape.samples / shape.batchSize) + 1;
    const counts = { committed: shape.samples, pending: 0, succeeded: shape.samples - failedCount, failed: failedCount, mixed: 0 };
    db.transaction(() => {
      db.run(
        'INSERT INTO task (id, task_id, created_at, meta, committed_meta, responded_meta, sample_counts) VALUES (1, ?, 0, ?, ?, ?, ?)',
        'inspected',
        '{}',
        '{}',
        '{}',
        JSON.stringify(counts),
      );
      for (let b = 1; b <= batches; b += 1) {
        db.run(
          "INSERT INTO batches (kind, id, place, remote_batch_id, status, num_requests, estimated_cost, true_cost, created_at, processed_seq, record) VALUES ('batch', ?, 'processed', ?, 'completed', 0, 0, 0, 0, ?, '{}')",
          b,
          `batch_${b}`,
          b,
        );
      }
      const request = (id: number, key: string, retry: number, batch: number, text: string) =>
        db.run(
          "INSERT INTO requests (id, batch_kind, batch_id, sample_key, retry_num, payload, meta, parse_info, input_tokens, max_output_tokens, size, tokens_cost) VALUES (?, 'batch', ?, ?, ?, ?, ?, '{}', 10, 10, 100, NULL)",
          id,
          batch,
          key,
          retry,
          JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }),
          JSON.stringify({ sample_key: key, text }),
        );
      const result = (id: number, outcome: string, finishReason: string, refusal: string | null) =>
        db.run(
          'INSERT INTO results (request_id, processed, outcome, finish_reason, cut_short, refused, usage, result, answered_at) VALUES (?, 1, ?, ?, ?, ?, NULL, ?, 0)',
          id,
          outcome,
          finishReason,
          finishReason === 'length' ? 1 : 0,
          refusal === null ? 0 : 1,
          JSON.stringify({
            resp_info: { payload: { choices: [{ index: 0, finish_reason: finishReason, message: { content: refusal === null ? `{"n":${id}}` : null, refusal, parsed: refusal === null ? { n: id } : null } }] } },
            err_info: outcome === 'succeeded' ? null : { fatal: false, type: 'ResponseError', subtype: '', msg: 'bad answer', data: null },
            warn_infos: [],
            retry: outcome === 'retried',
            retry_counts: true,
          }),
        );
      let retryId = shape.samples;
      for (let i = 0; i < shape.samples; i += 1) {
        const key = sampleKey(i);
        const text = `Sample number ${i}, whose text is longer than thirty characters`;
        const id = i + 1;
        request(id, key, 0, Math.floor(i / shape.batchSize) + 1, text);
        const refused = i % shape.refuseEvery === 0 && !failed(i);
        const finishReason = i % shape.cutEvery === 0 && !failed(i) ? 'length' : 'stop';
        result(id, failed(i) ? 'retried' : 'succeeded', finishReason, refused ? 'I cannot help with that' : null);
        if (failed(i)) {
          retryId += 1;
          request(retryId, key, 1, batches, text);
          result(retryId, 'failed', 'stop', null);
        }
        const state = failed(i) ? "'null', NULL, '{\"error\":\"bad answer\"}'" : "'null', '{\"ok\":true}', NULL";
        db.run(`INSERT INTO samples (key, committed, succeeded, failed) VALUES (?, ${state})`, key);
      }
    });
  } finally {
    db.close();
  }
}

import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import { classifyRemote } from '../../../src/cli/remote/classify';
import type { RemoteRefs } from '../../../src/host/readRemoteRefs';

const taskId = '11111111-2222-3333-4444-555555555555';

function batch(id: string, status: OpenAI.Batches.Batch['status'], metadata: Record<string, string> | null, files: { input: string; output?: string }): OpenAI.Batches.Batch {
  return { id, object: 'batch', endpoint: '/v1/chat/completions', completion_window: '24h', created_at: 1, status, input_file_id: files.input, ...(files.output === undefined ? {} : { output_file_id: files.output }), metadata } as OpenAI.Batches.Batch;
}

function file(id: string, filename: string, purpose = 'batch'): OpenAI.Files.FileObject {
  return { id, object: 'file', bytes: 1, created_at: 1, filename, purpose, status: 'processed' } as OpenAI.Files.FileObject;
}

describe('remote list: whose each batch and file is', () => {
  const refs: RemoteRefs = {
    taskId,
    batches: new Map([
      ['b-remote', { localId: 4, place: 'remote', estimatedCost: 0.5, trueCost: undefined }],
      ['b-done', { localId: 2, place: 'processed', estimatedCost: 0.5, trueCost: 0.4 }],
    ]),
    activeFiles: new Set(['f-in4']),
    pendingPushes: new Map(),
  };
  const ours = { task_id: taskId, task_name: 'T', push_token: 'x' };

  it('tells this task\'s live objects from its orphans, and other tasks\' and unknown objects from both', () => {
    const { batches, files } = classifyRemote(
      [
        batch('b-remote', 'completed', ours, { input: 'f-in4', output: 'f-out4' }),
        batch('b-done', 'completed', ours, { input: 'f-in2', output: 'f-out2' }),
        batch('b-lost', 'in_progress', { ...ours, push_token: 'y' }, { input: 'f-in9' }),
        batch('b-other', 'in_progress', { task_id: 'other-id', task_name: 'Other' }, { input: 'f-other' }),
        batch('b-none', 'in_progress', null, { input: 'f-none' }),
      ],
      [
        file('f-in4', `T_batch4_x_task-${taskId}.jsonl`),
        file('f-out4', 'b-remote_output.jsonl', 'batch_output'),
        file('f-out2', 'b-done_output.jsonl', 'batch_output'),
        file('f-in9', `T_batch9_y_task-${taskId}.jsonl`),
        file('f-other', 'Other_batch1_z_task-other-id.jsonl'),
        file('f-none', 'mine.jsonl'),
      ],
      refs,
    );
    const orphanOf = (o: { owner: { kind: string; orphan?: boolean } }) => (o.owner.kind === 'this' ? (o.owner.orphan ? 'orphan' : 'this') : o.owner.kind);
    assert.deepEqual(batches.map((b) => [b.batch.id, orphanOf(b), b.cost]), [
      ['b-remote', 'this', 0.5],
      ['b-done', 'this', 0.4],
      ['b-lost', 'orphan', undefined],
      ['b-other', 'other', undefined],
      ['b-none', 'unknown', undefined],
    ]);
    assert.deepEqual(files.map((f) => [f.file.id, orphanOf(f)]), [
      ['f-in4', 'this'],
      ['f-out4', 'this'],
      ['f-out2', 'orphan'],
      ['f-in9', 'orphan'],
      ['f-other', 'other'],
      ['f-none', 'unknown'],
    ]);
  });
});

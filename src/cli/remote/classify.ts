import type OpenAI from 'openai';
import type { RemoteRefs } from '../../host/readRemoteRefs';

/** Whose a remote batch or file is, and whether it is an orphan of this task. */
export type Owner =
  | { kind: 'this'; localId: number | undefined; orphan: boolean; note: string }
  | { kind: 'other'; taskName: string; taskId: string }
  | { kind: 'unknown' };

export interface ClassifiedBatch {
  batch: OpenAI.Batches.Batch;
  owner: Owner;
  /** Estimated or true cost, when this task's database knows it. */
  cost: number | undefined;
}

export interface ClassifiedFile {
  file: OpenAI.Files.FileObject;
  owner: Owner;
}

const terminal = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Whether a batch may still run (and be billed): cancelling it stops that. */
export const isUnfinished = (batch: OpenAI.Batches.Batch): boolean => !terminal.has(batch.status) && batch.status !== 'cancelling';

const uploadTaskId = /_task-([0-9A-Za-z-]+)\.jsonl$/;

function classifyBatch(batch: OpenAI.Batches.Batch, refs: RemoteRefs): ClassifiedBatch {
  const meta = batch.metadata ?? {};
  const known = refs.batches.get(batch.id);
  if (meta.task_id === refs.taskId || known !== undefined) {
    if (known !== undefined) {
      const note = known.place === 'remote' ? `batch ${known.localId}, awaiting processing` : `batch ${known.localId}, processed`;
      return { batch, owner: { kind: 'this', localId: known.localId, orphan: false, note }, cost: known.trueCost ?? known.estimatedCost };
    }
    const pending = meta.push_token === undefined ? undefined : refs.pendingPushes.get(meta.push_token);
    const note = pending === undefined ? 'orphan: the task database does not know it' : `orphan: pushed for batch ${pending} by a run that stopped before recording it`;
    return { batch, owner: { kind: 'this', localId: pending, orphan: true, note }, cost: undefined };
  }
  if (meta.task_id !== undefined) return { batch, owner: { kind: 'other', taskName: meta.task_name ?? '?', taskId: meta.task_id }, cost: undefined };
  return { batch, owner: { kind: 'unknown' }, cost: undefined };
}

function classifyFile(file: OpenAI.Files.FileObject, refs: RemoteRefs, byFile: Map<string, ClassifiedBatch>): Owner {
  const user = byFile.get(file.id);
  const upload = uploadTaskId.exec(file.filename);
  if (upload?.[1] === refs.taskId || (user?.owner.kind === 'this' && file.id !== user.batch.input_file_id)) {
    if (refs.activeFiles.has(file.id)) return { kind: 'this', localId: user?.owner.kind === 'this' ? user.owner.localId : undefined, orphan: false, note: 'input of a batch awaiting processing' };
    const owner = user?.owner;
    if (owner?.kind === 'this' && !owner.orphan && owner.note.endsWith('awaiting processing')) {
      return { kind: 'this', localId: owner.localId, orphan: false, note: `results of batch ${owner.localId}, not yet downloaded` };
    }
    const of = owner?.kind === 'this' && owner.localId !== undefined ? ` (batch ${owner.localId})` : '';
    return { kind: 'this', localId: owner?.kind === 'this' ? owner.localId : undefined, orphan: true, note: `orphan${of}: no batch awaiting processing uses it` };
  }
  if (user !== undefined && user.owner.kind !== 'this') return user.owner;
  if (upload?.[1] !== undefined) return { kind: 'other', taskName: '?', taskId: upload[1] };
  return { kind: 'unknown' };
}

/** Attributes every batch and file of the account: to this task (and whether it is an orphan), another GPT Batch task, or nobody known. */
export function classifyRemote(batches: OpenAI.Batches.Batch[], files: OpenAI.Files.FileObject[], refs: RemoteRefs): { batches: ClassifiedBatch[]; files: ClassifiedFile[] } {
  const classified = batches.map((b) => classifyBatch(b, refs));
  const byFile = new Map<string, ClassifiedBatch>();
  for (const c of classified) for (const id of [c.batch.input_file_id, c.batch.output_file_id, c.batch.error_file_id]) if (id) byFile.set(id, c);
  return { batches: classified, files: files.map((file) => ({ file, owner: classifyFile(file, refs, byFile) })) };
}

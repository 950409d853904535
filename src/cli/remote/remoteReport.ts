import { isUnfinished, type ClassifiedBatch, type ClassifiedFile, type Owner } from './classify';

function ownerText(owner: Owner): string {
  if (owner.kind === 'this') return `this task: ${owner.note}`;
  if (owner.kind === 'other') return `GPT Batch task '${owner.taskName}' (task id ${owner.taskId})`;
  return 'unknown (not made by GPT Batch)';
}

/** A span as its two largest units (`3d 4h`, `5h 12m`, `42s`). */
function span(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

const age = (createdAt: number, nowSeconds: number) => `${span(Math.max(0, nowSeconds - createdAt))} old`;

/** The lines `gpt-batch remote list` prints: every batch and batch file of the account, attributed. */
export function remoteReport(taskName: string, batches: ClassifiedBatch[], files: ClassifiedFile[], nowSeconds: number): string[] {
  const lines = [`Remote batches of the account (${batches.length}), as seen from task '${taskName}':`];
  for (const { batch, owner, cost } of batches) {
    const counts = batch.request_counts;
    const done = counts ? `, ${counts.completed + counts.failed}/${counts.total} done` : '';
    const costText = cost === undefined ? '' : `, cost ${cost.toFixed(3)}`;
    lines.push(`  ${batch.id}  ${batch.status}${done}, ${age(batch.created_at, nowSeconds)}${costText}  [${ownerText(owner)}]`);
  }
  lines.push(`Batch files of the account (${files.length}):`);
  for (const { file, owner } of files) {
    const expires = typeof file.expires_at === 'number' && file.expires_at > 0 ? `, expires in ${span(file.expires_at - nowSeconds)}` : '';
    lines.push(`  ${file.id}  ${file.filename} (${file.purpose}, ${file.bytes} bytes, ${age(file.created_at, nowSeconds)}${expires})  [${ownerText(owner)}]`);
  }
  const orphanBatches = batches.filter((b) => b.owner.kind === 'this' && b.owner.orphan && isUnfinished(b.batch)).length;
  const orphanFiles = files.filter((f) => f.owner.kind === 'this' && f.owner.orphan).length;
  lines.push(
    orphanBatches + orphanFiles === 0
      ? 'This task has no orphans on the remote.'
      : `This task has ${orphanBatches} unfinished orphan batch(es) and ${orphanFiles} orphan file(s): \`gpt-batch remote clean\` cancels and deletes them.`,
  );
  return lines;
}

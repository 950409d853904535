import type { Attempt, AttemptPart, BatchSummary, SampleGroup } from '../shared/taskSnapshot';

/** The words the tree and the preview tabs use for batches, samples and attempts. */

export const groupLabels = { local: 'Local batches', remote: 'Remote batches', processed: 'Processed batches', direct: 'Direct batches' } as const;

export const sampleGroupLabels: Record<SampleGroup, string> = {
  succeeded: 'Succeeded samples',
  failed: 'Failed samples',
  pending: 'Pending samples',
  retried: 'Retried samples',
  cutShort: 'Cut short (finish_reason length or content_filter, stop_reason max_tokens, status incomplete)',
  refused: 'Refusals',
  errored: 'Errored attempts',
};

/**
 * Formats a cost in the user's currency units, precise enough for cents and fractions of them. Costs below a tenth
 * of a cent (embeddings, a few cheap requests) keep two significant digits, so they never read as 0.0000.
 */
export function formatCost(cost: number): string {
  if (cost >= 1) return cost.toFixed(2);
  if (cost <= 0 || cost >= 0.001) return cost.toFixed(4);
  const decimals = Math.min(20, 1 - Math.floor(Math.log10(cost)));
  return cost.toFixed(decimals).replace(/0+$/, '');
}

/**
 * A sample key as a label: invisible characters (controls, and white space at either end, which a label would lose)
 * are written as `U+XXXX`, so `char- ` reads `char-U+0020`.
 */
export function keyLabel(key: string): string {
  const codePoint = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const visible = key.replace(/\p{C}/gu, codePoint);
  const start = /^\s*/u.exec(visible)?.[0] ?? '';
  const end = visible.length > start.length ? (/\s*$/u.exec(visible)?.[0] ?? '') : '';
  return [...start].map(codePoint).join('') + visible.slice(start.length, visible.length - end.length) + [...end].map(codePoint).join('');
}

export function batchDescription(batch: BatchSummary): string {
  const parts = [batch.status, `${batch.numRequests} requests`];
  if (batch.completed !== undefined) parts.push(`${batch.completed} ok`);
  if (batch.failed !== undefined && batch.failed > 0) parts.push(`${batch.failed} failed`);
  parts.push(batch.trueCost === undefined ? `est. ${formatCost(batch.estimatedCost)}` : `cost ${formatCost(batch.trueCost)}`);
  return parts.join(' · ');
}

/** Under a sample an attempt is named by its number; under a batch by its request and sample. */
export function attemptLabel(attempt: Attempt, underSample: boolean): string {
  if (underSample) return `Attempt ${attempt.retryNum + 1}`;
  return attempt.sampleKey === undefined ? `id-${attempt.requestId}` : `id-${attempt.requestId} · ${keyLabel(attempt.sampleKey)}`;
}

const outcomeWords: Record<NonNullable<Attempt['outcome']>, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  retried: 'failed, retried',
  answered: 'answered, not processed yet',
};

/**
 * Anthropic's stop reasons, which the task database keeps where it keeps chat completions' finish reasons. No
 * finish reason of OpenAI's has one of these names, so the name tells which field the answer carried.
 */
const anthropicStopReasons = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal']);

/** `finish_reason stop`, or `stop_reason end_turn` for an Anthropic message: the field as the provider names it. */
export function finishReasonLabel(reason: string): string {
  return `${anthropicStopReasons.has(reason) ? 'stop_reason' : 'finish_reason'} ${reason}`;
}

export function attemptDescription(attempt: Attempt, underSample: boolean): string {
  const parts: string[] = [];
  if (underSample) parts.push(`id-${attempt.requestId}`, attempt.batch === undefined ? 'queued' : `${attempt.batch.place === 'direct' ? 'direct batch' : 'batch'} ${attempt.batch.id}`);
  else if (attempt.retryNum > 0) parts.push(`retry ${attempt.retryNum}`);
  parts.push(attempt.outcome === undefined ? 'not answered yet' : outcomeWords[attempt.outcome]);
  if (attempt.finishReason !== undefined) parts.push(finishReasonLabel(attempt.finishReason));
  if (attempt.prompt !== undefined) parts.push(`“${attempt.prompt}”`);
  return parts.join(' · ');
}

export function partLabel(attempt: Attempt, part: AttemptPart): string {
  if (part === 'request') return 'Request';
  if (part === 'parsed') return 'Parsed result';
  return attempt.outcome === 'failed' || attempt.outcome === 'retried' ? 'Response or error' : 'Response';
}

/** The tab title of a part of an attempt, in words: `char_codes · char-A · response`, `… · retry 1 · error`. */
export function partTitle(task: string, attempt: Attempt, part: AttemptPart): string {
  const subject = attempt.sampleKey === undefined ? `id-${attempt.requestId}` : keyLabel(attempt.sampleKey);
  const retry = attempt.retryNum > 0 ? ` · retry ${attempt.retryNum}` : '';
  return `${task} · ${subject}${retry} · ${part === 'parsed' ? 'parsed' : part}`;
}

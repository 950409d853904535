import { errorInfo } from '../../../src/engine/requester/responses';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import type { CachedRequest } from '../../../src/engine/requester/cachedRequest';
import type { UnitContext } from '../../../src/engine/store/unit';
import { JsonlOutputFile } from '../../../src/engine/taskManager/outputs';
import { TaskManager, type TaskManagerInit } from '../../../src/engine/taskManager/taskManager';

/** One line of the sample task's output. */
export interface SampleOutput {
  key: string;
  answer: string;
}

/** Knobs that make the sample task misbehave on purpose. */
export interface SampleTaskBehaviour {
  /** Rejects (non-fatal task error, retried while retries remain) every attempt of these keys. */
  reject?: ReadonlySet<string>;
  /** Rejects the attempts of a key whose retry number is below the given count. */
  rejectAttempts?: ReadonlyMap<string, number>;
  /** Throws after editing the task state and the output, while this returns true. */
  failProcessing?: () => boolean;
  /** Throws on the n-th (1-based) commitCachedRequest call of the session. */
  failCommitAt?: number;
  /** Throws in generateRequests after pooling requests, while this returns true. */
  failGeneration?: () => boolean;
  /** Generates at most this many requests per commit and commits incrementally (stopping when congested). */
  chunk?: number;
  /** Output chunk limits. */
  maxEntries?: number;
}

export const echoSchema = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
  additionalProperties: false,
} as const;

/** The sample key of the i-th (0-based) sample. */
export function sampleKey(i: number): string {
  return `s${String(i).padStart(4, '0')}`;
}

/**
 * A small task on the TaskManager API: one structured request per sample key, answers appended to a JSONL output.
 * Records what it did (generated keys, processed results, post-processing calls) for the tests.
 */
export class SampleTask extends TaskManager {
  readonly generated: string[] = [];
  readonly processedBatches: number[] = [];
  postprocessCalls = 0;
  generateCalls = 0;
  private commitCalls = 0;

  constructor(
    init: TaskManagerInit,
    readonly keys: readonly string[],
    readonly behaviour: SampleTaskBehaviour = {},
  ) {
    super(init);
  }

  get out(): JsonlOutputFile<SampleOutput> {
    return this.output as JsonlOutputFile<SampleOutput>;
  }

  protected override createOutput(pathBase: string): JsonlOutputFile<SampleOutput> {
    return new JsonlOutputFile<SampleOutput>(pathBase, { maxEntries: this.behaviour.maxEntries ?? 0 });
  }

  private request(key: string): { payload: Record<string, unknown>; meta: Record<string, unknown> } {
    const meta = this.T.meta as { model: string; max_completion_tokens: number };
    return {
      payload: {
        model: meta.model,
        max_completion_tokens: meta.max_completion_tokens,
        messages: [{ role: 'user', content: `Sample: ${key}` }],
        response_format: { type: 'json_schema', json_schema: { name: 'Echo', schema: echoSchema, strict: true } },
      },
      meta: { sample_key: key },
    };
  }

  protected override async generateRequests(): Promise<boolean> {
    this.generateCalls += 1;
    const chunk = this.behaviour.chunk ?? Infinity;
    let pooled = 0;
    for (const key of this.keys) {
      if (Object.hasOwn(this.T.committed_samples, key)) continue;
      this.addRequest(this.request(key));
      this.generated.push(key);
      pooled += 1;
      if (this.behaviour.failGeneration?.()) throw new Error('generation failed on purpose');
      if (pooled >= chunk) {
        pooled = 0;
        if (await this.commitRequests()) return false;
      }
    }
    return true;
  }

  protected override commitCachedRequest(request: CachedRequest): void {
    this.commitCalls += 1;
    if (this.commitCalls === this.behaviour.failCommitAt) throw new Error('commit failed on purpose');
    this.T.committed_samples[String(request.meta?.sample_key)] = null;
    this.T.committed_meta.requests = Number(this.T.committed_meta.requests ?? 0) + 1;
  }

  protected override processBatchResult(result: BatchResult, unit: UnitContext): boolean {
    const pending = this.out.pending.length;
    unit.rs.onRevert(() => {
      this.out.pending.length = pending;
    });
    this.processedBatches.push(result.batch.id);
    let changed = false;
    for (const info of result.results) {
      const key = String(info.req_info.meta?.sample_key);
      const parsed = ((info.resp_info?.payload.choices as { message?: { parsed?: { answer?: string } } }[] | undefined) ?? [])[0]?.message?.parsed;
      const rejected = this.behaviour.reject?.has(key) || info.req_info.retry_num < (this.behaviour.rejectAttempts?.get(key) ?? 0);
      if (info.err_info === null && rejected) {
        info.err_info = errorInfo(false, 'TaskSpecific', 'Rejected', `The answer for ${key} was rejected`);
        this.updateResultRetry(info);
      }
      if (info.err_info === null && typeof parsed?.answer === 'string') {
        this.T.succeeded_samples[key] = null;
        this.out.pending.push({ key, answer: parsed.answer });
        changed = true;
      } else if (!info.retry) {
        this.T.failed_samples[key] = info.err_info?.subtype ?? 'no answer';
        changed = true;
      }
    }
    if (changed) this.T.responded_meta.batches = Number(this.T.responded_meta.batches ?? 0) + 1;
    if (this.behaviour.failProcessing?.()) throw new Error('processing failed on purpose');
    return changed;
  }

  protected override wipeUnfinished(wipeFailed: boolean): boolean {
    const T = this.T;
    if (wipeFailed) for (const key of Object.keys(T.failed_samples)) delete T.failed_samples[key];
    for (const key of Object.keys(T.committed_samples)) {
      if (!Object.hasOwn(T.succeeded_samples, key) && !Object.hasOwn(T.failed_samples, key)) delete T.committed_samples[key];
    }
    return false;
  }

  protected override postprocessOutputData(): void {
    this.postprocessCalls += 1;
  }
}

/** `n` sample keys. */
export function sampleKeys(n: number): string[] {
  return Array.from({ length: n }, (_, i) => sampleKey(i));
}

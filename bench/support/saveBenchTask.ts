import { performance } from 'node:perf_hooks';
import type { BatchResult } from '../../src/engine/requester/batchResult';
import type { CachedRequest } from '../../src/engine/requester/cachedRequest';
import type { UnitContext } from '../../src/engine/store/unit';
import { JsonlOutputFile, type TaskOutput } from '../../src/engine/taskManager/outputs';
import { TaskManager, type TaskManagerInit } from '../../src/engine/taskManager/taskManager';
import { largeTaskValue, sampleKey } from './largeTask';
import { smallChatRequest } from './requesterHarness';

/** When the task's hook for a processed batch ran (performance.now() milliseconds). */
export interface ProcessedBatchTiming {
  handlerStart: number;
  handlerEnd: number;
  results: number;
}

/**
 * A minimal task for the save benchmark: it asks for samples `first` … `first + count - 1` (one request each),
 * records each success in `succeeded_samples` and as one line of an append-only JSONL output, and notes when it
 * processed each batch.
 */
export class SaveBenchTask extends TaskManager {
  readonly processed: ProcessedBatchTiming[] = [];
  /** When generation was first asked for, i.e. when entering the task (loading its state) was done. */
  enteredAt: number | undefined;

  constructor(
    init: TaskManagerInit,
    private readonly first: number,
    private readonly count: number,
  ) {
    super(init);
  }

  private get jsonl(): JsonlOutputFile<Record<string, unknown>> {
    return this.output as JsonlOutputFile<Record<string, unknown>>;
  }

  protected override createOutput(pathBase: string): TaskOutput {
    return new JsonlOutputFile<Record<string, unknown>>(pathBase);
  }

  protected override generateRequests(): boolean {
    this.enteredAt ??= performance.now();
    for (let i = this.first; i < this.first + this.count; i += 1) {
      if (Object.hasOwn(this.T.committed_samples, sampleKey(i))) continue;
      const request = smallChatRequest(i);
      // `sample_key` names the request's sample as the built-in and template tasks do.
      this.addRequest({ ...request, meta: { sample_key: sampleKey(i), sample: i } });
    }
    return true;
  }

  protected override commitCachedRequest(request: CachedRequest): void {
    this.T.committed_samples[sampleKey(Number(request.meta?.sample))] = null;
  }

  protected override processBatchResult(result: BatchResult, unit: UnitContext): boolean {
    const handlerStart = performance.now();
    const pending = this.jsonl.pending.length;
    unit.rs.onRevert(() => {
      this.jsonl.pending.length = pending;
    });
    for (const info of result.results) {
      const index = Number(info.req_info.meta?.sample);
      if (info.err_info !== null) {
        if (!info.retry) this.T.failed_samples[sampleKey(index)] = null;
        continue;
      }
      this.T.succeeded_samples[sampleKey(index)] = largeTaskValue(index);
      this.jsonl.pending.push({ key: sampleKey(index), ...largeTaskValue(index) });
    }
    this.processed.push({ handlerStart, handlerEnd: performance.now(), results: result.results.length });
    return true;
  }

  protected override wipeUnfinished(): boolean {
    return false;
  }
}

import { CorruptedStateError } from '../../shared/errors';
import { JsonlOutputFile, OpinionAdviser, TaskManager, type BatchResult, type CachedRequest, type UnitContext } from '../../engine';
import { buildUtteranceOutput, keepAfterWipeFailed, type UtteranceOutputEntry } from './conclusion';
import { type UtteranceMeta, utterancePayload } from './requests';
import { isUtteranceInfo, type UtteranceInfo } from './schema';
import { utteranceKey, utterances } from './utterances';

/**
 * The utterance_emotion demo (demos.md 3): ask for the emotion of each utterance several times and conclude by
 * majority, asking again (usually through the direct API) while the opinions are split.
 */
export class UtteranceEmotionTask extends TaskManager {
  private adviser: OpinionAdviser | undefined;

  private get meta(): UtteranceMeta {
    return this.T.meta as unknown as UtteranceMeta;
  }

  private get out(): JsonlOutputFile<UtteranceOutputEntry> {
    return this.output as JsonlOutputFile<UtteranceOutputEntry>;
  }

  private get opinionAdviser(): OpinionAdviser {
    if (this.adviser === undefined) throw new Error('The opinion adviser exists only while the task runs');
    return this.adviser;
  }

  protected override createOutput(pathBase: string): JsonlOutputFile<UtteranceOutputEntry> {
    return new JsonlOutputFile<UtteranceOutputEntry>(pathBase);
  }

  protected override onTaskEnter(): void {
    this.setAssumedCompletionRatio(this.meta.completion_ratio);
    this.adviser = new OpinionAdviser(this.meta.opinions_min, this.meta.opinions_max, this.meta.confidence);
  }

  protected override onTaskExit(): void {
    this.adviser = undefined;
  }

  private counts(key: string): { committed: number; failed: number; opinions: UtteranceInfo[] } {
    return {
      committed: Number(this.T.committed_samples[key] ?? 0),
      failed: Number(this.T.failed_samples[key] ?? 0),
      opinions: (this.T.succeeded_samples[key] as UtteranceInfo[] | undefined) ?? [],
    };
  }

  protected override generateRequests(): boolean {
    utterances.forEach((utterance, index) => {
      const key = utteranceKey(index + 1, utterance);
      const { committed, failed, opinions } = this.counts(key);
      const needed = Math.max(0, this.opinionAdviser.minResponsesRequired(failed, opinions.map((o) => o.emotion)) - committed);
      for (let i = 0; i < needed; i += 1) {
        this.addRequest({ payload: utterancePayload(this.meta, utterance) as unknown as Record<string, unknown>, meta: { sample_key: key, utterance } });
      }
    });
    return true;
  }

  protected override commitCachedRequest(request: CachedRequest): void {
    const key = String(request.meta?.sample_key);
    this.T.committed_samples[key] = Number(this.T.committed_samples[key] ?? 0) + 1;
  }

  protected override processBatchResult(result: BatchResult, unit: UnitContext): boolean {
    const T = this.T;
    const pendingLength = this.out.pending.length;
    unit.rs.onRevert(() => {
      this.out.pending.length = pendingLength;
    });
    let changed = false;
    for (const info of result.results) {
      const key = String(info.req_info.meta?.sample_key);
      const utterance = String(info.req_info.meta?.utterance);
      const { committed, failed, opinions } = this.counts(key);
      if (!(committed > failed + opinions.length)) throw new Error(`Sample ${key} has no outstanding request for this result`);
      const choices = (info.resp_info?.payload.choices as { message?: { parsed?: unknown } }[] | undefined) ?? [];
      const parsed = choices[0]?.message?.parsed;
      let nowFailed = failed;
      let nowOpinions = opinions;
      if (info.err_info === null && isUtteranceInfo(parsed)) {
        nowOpinions = [...opinions, { emotion: parsed.emotion, is_clear: parsed.is_clear }];
        T.succeeded_samples[key] = nowOpinions;
        changed = true;
      } else if (!info.retry) {
        if (info.err_info === null && !this.options.dryrun) this.logger.warn(`Sample ${key} got no error yet failed`);
        nowFailed = failed + 1;
        T.failed_samples[key] = nowFailed;
        changed = true;
      } else {
        continue;
      }
      if (committed === nowFailed + nowOpinions.length) {
        const entry = buildUtteranceOutput(key, utterance, nowOpinions, nowFailed, this.opinionAdviser);
        if (entry !== null) this.out.pending.push(entry);
      }
    }
    return changed;
  }

  protected override async wipeUnfinished(wipeFailed: boolean, unit: UnitContext): Promise<boolean> {
    const T = this.T;
    const failed = { ...T.failed_samples } as Record<string, number>;
    for (const key of Object.keys(T.committed_samples)) delete T.committed_samples[key];
    for (const [key, opinions] of Object.entries(T.succeeded_samples)) T.committed_samples[key] = (opinions as unknown[]).length;
    if (wipeFailed) {
      for (const key of Object.keys(T.failed_samples)) delete T.failed_samples[key];
      const opinionsByKey = { ...T.succeeded_samples } as Record<string, UtteranceInfo[]>;
      await this.out.rewrite(unit, (entry) => (keepAfterWipeFailed(entry, opinionsByKey, this.opinionAdviser) ? entry : undefined));
    } else {
      for (const [key, count] of Object.entries(failed)) T.committed_samples[key] = Number(T.committed_samples[key] ?? 0) + count;
    }
    return false;
  }

  protected override validateState(clean: boolean): void {
    super.validateState(clean);
    this.opinionAdviser.validate();
    for (const key of Object.keys(this.T.committed_samples)) {
      const { committed, failed, opinions } = this.counts(key);
      if (committed < failed + opinions.length || (clean && committed !== failed + opinions.length)) {
        throw new CorruptedStateError(this.dir, `Sample ${key}: ${committed} committed requests do not match ${failed} failed + ${opinions.length} opinions`);
      }
    }
  }
}

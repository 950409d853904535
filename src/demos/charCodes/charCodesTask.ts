import { errorInfo, JsonOutputFile, TaskManager, type BatchResult, type CachedRequest, type UnitContext } from '../../engine';
import { CorruptedStateError } from '../../shared/errors';
import { checkCharacterAnswer } from './answers';
import { charCodesRanges, charCodesSamplesInRange } from './characters';
import { formatCharCodesOutput } from './output';
import { type CharCodesMeta, charCodesPayload } from './requests';
import { isUnicodeCharacterInfo, type UnicodeCharacterInfo } from './schema';

/** The char_codes output: every successfully described character. */
export interface CharCodesData {
  chars: Record<string, UnicodeCharacterInfo>;
}

/**
 * The char_codes demo (demos.md 2): describe each printable character of nine Unicode blocks with a structured
 * output, checking that the model named the right character and used it at least twice in its sample sentence.
 */
export class CharCodesTask extends TaskManager {
  private get meta(): CharCodesMeta {
    return this.T.meta as unknown as CharCodesMeta;
  }

  private get data(): CharCodesData {
    return (this.output as JsonOutputFile<CharCodesData>).data;
  }

  protected override createOutput(pathBase: string): JsonOutputFile<CharCodesData> {
    return new JsonOutputFile<CharCodesData>(pathBase, () => ({ chars: {} }), {
      parse: (value, file) => {
        const chars = (value as { chars?: unknown } | null)?.chars;
        if (chars === null || typeof chars !== 'object' || Array.isArray(chars)) throw new CorruptedStateError(file, `${file}: expected an object with a "chars" object`);
        return { chars: chars as Record<string, UnicodeCharacterInfo> };
      },
      serialize: (data) => formatCharCodesOutput(data.chars),
      status: (data) => `${Object.keys(data.chars).length} chars`,
    });
  }

  protected override onTaskEnter(): void {
    this.setAssumedCompletionRatio(this.meta.completion_ratio);
  }

  protected override async generateRequests(): Promise<boolean> {
    const committed = this.T.committed_samples;
    for (const range of charCodesRanges) {
      for (const sample of charCodesSamplesInRange(range)) {
        if (Object.hasOwn(committed, sample.key)) continue;
        this.addRequest({ payload: charCodesPayload(this.meta, sample.char) as unknown as Record<string, unknown>, meta: { sample_key: sample.key, char: sample.char } });
      }
      if (this.requester.pool.length > 0 && (await this.commitRequests())) return false;
    }
    return true;
  }

  protected override commitCachedRequest(request: CachedRequest): void {
    this.T.committed_samples[String(request.meta?.sample_key)] = null;
  }

  protected override processBatchResult(result: BatchResult, unit: UnitContext): boolean {
    const T = this.T;
    const chars = this.data.chars;
    const added: string[] = [];
    unit.rs.onRevert(() => {
      for (const char of added) delete chars[char];
    });
    let changed = false;
    let mismatches = 0;
    for (const info of result.results) {
      const key = String(info.req_info.meta?.sample_key);
      const char = String(info.req_info.meta?.char);
      if (Object.hasOwn(T.succeeded_samples, key) || Object.hasOwn(T.failed_samples, key) || Object.hasOwn(chars, char)) {
        throw new Error(`Sample ${key} already has a final result; it cannot be processed twice`);
      }
      const choices = (info.resp_info?.payload.choices as { message?: { parsed?: unknown } }[] | undefined) ?? [];
      const parsed = choices[0]?.message?.parsed;
      const relevantWarnings = info.warn_infos.filter((w) => !(w.type === 'MessageChoice' && w.data !== 0));
      if (info.err_info === null && relevantWarnings.length === 0 && isUnicodeCharacterInfo(parsed)) {
        const verdict = checkCharacterAnswer(char, parsed);
        if (verdict === 'ok') {
          T.succeeded_samples[key] = null;
          chars[char] = parsed;
          added.push(char);
          changed = true;
          continue;
        }
        info.err_info = errorInfo(false, 'TaskSpecific', verdict, verdict === 'CharMismatch' ? `Got character '${parsed.character}' instead of '${char}'` : `The sample sentence contains '${char}' fewer than twice`, parsed.character);
        if (mismatches < this.options.show_errors) this.logger.warn(`Sample ${key}: ${info.err_info.msg}`);
        mismatches += 1;
        this.updateResultRetry(info);
      }
      if (!info.retry) {
        if (info.err_info === null && !this.options.dryrun) this.logger.warn(`Sample ${key} got no error yet failed (warnings: ${info.warn_infos.map((w) => w.msg).join('; ') || 'no usable answer'})`);
        T.failed_samples[key] = null;
        changed = true;
      }
    }
    if (mismatches > this.options.show_errors) this.logger.warn(`Got ${mismatches - this.options.show_errors} further answer problems (total ${mismatches})`);
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

  protected override validateState(clean: boolean): void {
    super.validateState(clean);
    if (!clean) return;
    for (const key of Object.keys(this.T.committed_samples)) {
      if (Object.hasOwn(this.T.succeeded_samples, key) === Object.hasOwn(this.T.failed_samples, key)) {
        throw new CorruptedStateError(this.dir, `Sample ${key} must be either succeeded or failed, not both or neither`);
      }
    }
  }
}

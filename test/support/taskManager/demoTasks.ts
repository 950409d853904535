import { CharCodesTask } from '../../../src/demos/charCodes/charCodesTask';
import { charCodesDefaultMeta, charCodesPayload, type CharCodesMeta } from '../../../src/demos/charCodes/requests';
import { utteranceDefaultMeta } from '../../../src/demos/utteranceEmotion/requests';
import type { TaskManagerInit } from '../../../src/engine/taskManager/taskManager';

/** The char_codes demo restricted to a few characters, so that tests of its answer handling stay small. */
export class FewCharsTask extends CharCodesTask {
  constructor(
    init: TaskManagerInit,
    private readonly chars: readonly string[],
  ) {
    super(init);
  }

  protected override async generateRequests(): Promise<boolean> {
    const meta = this.T.meta as unknown as CharCodesMeta;
    for (const char of this.chars) {
      const key = `char-${char}`;
      if (Object.hasOwn(this.T.committed_samples, key)) continue;
      this.addRequest({ payload: charCodesPayload(meta, char) as unknown as Record<string, unknown>, meta: { sample_key: key, char } });
    }
    return true;
  }
}

export const charCodesMeta = { ...charCodesDefaultMeta } as unknown as Record<string, unknown>;
export const utteranceMeta = { ...utteranceDefaultMeta } as unknown as Record<string, unknown>;

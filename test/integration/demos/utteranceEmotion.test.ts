import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { UtteranceOutputEntry } from '../../../src/demos/utteranceEmotion/conclusion';
import { UtteranceEmotionTask } from '../../../src/demos/utteranceEmotion/utteranceEmotionTask';
import { utteranceKey, utterances } from '../../../src/demos/utteranceEmotion/utterances';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import type { UnitContext } from '../../../src/engine/store/unit';
import type { JsonlOutputFile } from '../../../src/engine/taskManager/outputs';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, rewritingFetch, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { utteranceMeta } from '../../support/taskManager/demoTasks';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';

const prefix = 'utterance_emotion';
const target = 15; // the first joy utterance (0-based)
const targetKey = utteranceKey(target + 1, utterances[target] as string);

async function loadState(dir: string): Promise<TaskState> {
  const state = loadTaskStateAt(dir);
  assert.ok(state);
  return state;
}

function outputFile(dir: string): string {
  return path.join(dir, `${prefix}_output.jsonl`);
}

/**
 * Answers every utterance with a clear `joy`, except that the n-th answer (in arrival order) about the target
 * utterance comes from `targetAnswers` (a string is sent as invalid content).
 */
function scriptedAnswers(targetAnswers: readonly (Record<string, unknown> | string)[]): typeof fetch {
  let targetCalls = 0;
  return rewritingFetch((userText, message) => {
    if (userText !== `UTTERANCE:\n${utterances[target]}`) return { ...message, content: JSON.stringify({ emotion: 'joy', is_clear: true }) };
    const answer = targetAnswers[Math.min(targetCalls, targetAnswers.length - 1)];
    targetCalls += 1;
    return { ...message, content: typeof answer === 'string' ? answer : JSON.stringify(answer) };
  });
}

describe('utterance_emotion demo (against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('demo-utterances');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const init = (overrides: Parameters<TaskHarness['init']>[1] = {}) =>
    h.init(tmp.dir, { prefix, initMeta: utteranceMeta, ...overrides, requester: { force_direct: true, ...overrides.requester } });

  it('commits 3 requests per utterance in one batch of 135 and concludes every utterance once', async () => {
    const task = new UtteranceEmotionTask(h.init(tmp.dir, { prefix, initMeta: utteranceMeta }));
    assert.equal(await task.run(), true);
    const stats = h.sim.stats();
    assert.equal(Object.keys(stats.batchCustomIds).length, 135);
    assert.equal(stats.routes['POST /v1/batches'], 1);
    const state = await loadState(tmp.dir);
    assert.equal(Object.keys(state.committed_samples).length, 45);
    for (const [key, committed] of Object.entries(state.committed_samples)) {
      const opinions = (state.succeeded_samples[key] as unknown[] | undefined)?.length ?? 0;
      assert.equal(committed, opinions + Number(state.failed_samples[key] ?? 0), key);
      assert.ok(committed === 3 || committed === 5, `${key}: ${String(committed)} requests`);
    }
    const lines = readJsonlLines<UtteranceOutputEntry>(outputFile(tmp.dir));
    assert.deepEqual(lines.map((l) => l.sample_key).sort(), Object.keys(state.committed_samples).sort());
    assert.equal(stats.chatCompletionCalls, Object.values(state.committed_samples).reduce((sum: number, c) => sum + Number(c), 0) - 135);
  });

  it('asks twice more for a split sample and writes its clarity-weighted conclusion', async () => {
    const fetch = scriptedAnswers([
      { emotion: 'joy', is_clear: true },
      { emotion: 'joy', is_clear: true },
      { emotion: 'surprise', is_clear: false },
      { emotion: 'joy', is_clear: false },
      { emotion: 'surprise', is_clear: true },
    ]);
    assert.equal(await new UtteranceEmotionTask(init({ fetch })).run(), true);
    assert.equal(h.sim.stats().chatCompletionCalls, 135 + 2);
    const lines = readJsonlLines<UtteranceOutputEntry>(outputFile(tmp.dir));
    assert.equal(lines.length, 45);
    const entry = lines.filter((l) => l.sample_key === targetKey);
    assert.deepEqual(entry, [{ sample_key: targetKey, utterance: utterances[target], is_clear: false, emotion: 'joy', emotions: { joy: 0.625, surprise: 0.375 } }]);
    assert.equal((await loadState(tmp.dir)).committed_samples[targetKey], 5);
  });

  it('concludes a sample with five failures as no emotion, then wipe_failed asks again and keeps the other lines', async () => {
    const fetch = scriptedAnswers(['this is not JSON']);
    assert.equal(await new UtteranceEmotionTask(init({ fetch, requester: { max_retries: 0 } })).run(), true);
    assert.equal(h.sim.stats().chatCompletionCalls, 135 + 2);
    const before = fs.readFileSync(outputFile(tmp.dir), 'utf8').split('\n').filter(Boolean);
    const failedLine = before.find((line) => (JSON.parse(line) as UtteranceOutputEntry).sample_key === targetKey);
    assert.deepEqual(JSON.parse(failedLine ?? 'null'), { sample_key: targetKey, utterance: utterances[target], is_clear: false, emotion: null, emotions: {} });
    assert.equal((await loadState(tmp.dir)).failed_samples[targetKey], 5);

    h.sim.resetStats();
    const again = new UtteranceEmotionTask(init({ fetch: scriptedAnswers([{ emotion: 'fear', is_clear: true }]), taskManager: { wipe_failed: true } }));
    assert.equal(await again.run(), true);
    assert.equal(h.sim.stats().chatCompletionCalls, 3);
    const after = fs.readFileSync(outputFile(tmp.dir), 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(after.slice(0, -1), before.filter((line) => line !== failedLine));
    assert.deepEqual(JSON.parse(after.at(-1) ?? 'null'), { sample_key: targetKey, utterance: utterances[target], is_clear: true, emotion: 'fear', emotions: { fear: 1 } });
    const state = await loadState(tmp.dir);
    assert.deepEqual(state.failed_samples, {});
    assert.equal(state.committed_samples[targetKey], 3);
  });

  it('restores opinions, failed counts and pending output when processing throws part-way through a batch', async () => {
    let before: unknown;
    let after: unknown;
    class Failing extends UtteranceEmotionTask {
      private memory(): unknown {
        return structuredClone({ T: this.T.snapshot(), pending: (this.output as JsonlOutputFile<UtteranceOutputEntry>).pending });
      }
      private calls = 0;
      protected override processBatchResult(result: BatchResult, unit: UnitContext): boolean {
        this.calls += 1;
        if (this.calls === 1) return super.processBatchResult(result, unit);
        before = this.memory();
        super.processBatchResult({ ...result, results: result.results.slice(0, 2) }, unit);
        throw new Error('processing failed on purpose');
      }
      override async step(): Promise<boolean> {
        try {
          return await super.step();
        } catch (error) {
          after = this.memory();
          throw error;
        }
      }
    }
    const fetch = scriptedAnswers([{ emotion: 'joy', is_clear: true }]);
    await assert.rejects(new Failing(init({ fetch, requester: { max_direct_requests: 3 } })).run(), /processing failed on purpose/);
    assert.ok(before !== undefined);
    assert.equal(Object.keys((before as { T: { succeeded_samples: object } }).T.succeeded_samples).length, 1, 'the first batch stays processed');
    assert.deepEqual(after, before);
  });
});

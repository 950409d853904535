import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CharCodesTask } from '../../../src/demos/charCodes/charCodesTask';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { compareCodePoints } from '../../../src/engine/util/codePoints';
import { useTempDir } from '../../support/store/tempDir';
import { rewritingFetch, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { charCodesMeta, FewCharsTask } from '../../support/taskManager/demoTasks';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';

async function loadState(dir: string): Promise<TaskState> {
  const state = loadTaskStateAt(dir);
  assert.ok(state);
  return state;
}

function readChars(dir: string): { text: string; chars: Record<string, { character: string }> } {
  const text = fs.readFileSync(path.join(dir, 'char_codes_output.json'), 'utf8');
  return { text, chars: (JSON.parse(text) as { chars: Record<string, { character: string }> }).chars };
}

/** Rewrites the structured answer about `char` (the user message names it). */
function answerRewrite(char: string, change: (answer: Record<string, unknown>) => Record<string, unknown>): typeof fetch {
  return rewritingFetch((userText, message) => {
    if (userText !== `Character: ${char}`) return undefined;
    return { ...message, content: JSON.stringify(change(JSON.parse(String(message.content)) as Record<string, unknown>)) };
  });
}

describe('char_codes demo (against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('demo-chars');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const init = (overrides: Parameters<TaskHarness['init']>[1] = {}) =>
    h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta, ...overrides, requester: { force_direct: true, ...overrides.requester } });

  it('describes all 1140 characters through one batch and writes them in code-point order', async () => {
    const task = new CharCodesTask(h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta }));
    assert.equal(await task.run(), true);
    const state = await loadState(tmp.dir);
    assert.equal(Object.keys(state.succeeded_samples).length, 1140);
    assert.deepEqual(state.failed_samples, {});
    const { text, chars } = readChars(tmp.dir);
    const order = [...text.matchAll(/^ {4}("(?:[^"\\]|\\.)*"): \{/gm)].map((m) => JSON.parse(m[1] as string) as string);
    assert.equal(order.length, 1140);
    assert.deepEqual(order, [...order].sort(compareCodePoints));
    assert.equal(order.indexOf('!') < order.indexOf('0'), true);
    assert.equal(chars.A?.character, 'A');
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
  });

  it('accepts an answer whose character is surrounded by whitespace', async () => {
    const fetch = answerRewrite('A', (answer) => ({ ...answer, character: ' A ' }));
    assert.equal(await new FewCharsTask(init({ fetch }), ['A']).run(), true);
    assert.deepEqual(Object.keys((await loadState(tmp.dir)).succeeded_samples), ['char-A']);
    assert.equal(readChars(tmp.dir).chars.A?.character, ' A ');
  });

  it('retries a mismatched character and fails it after max_retries', async () => {
    const fetch = answerRewrite('A', (answer) => ({ ...answer, character: 'B' }));
    const task = new FewCharsTask(init({ fetch, requester: { max_retries: 2 } }), ['A', 'C']);
    assert.equal(await task.run(), true);
    const state = await loadState(tmp.dir);
    assert.deepEqual(Object.keys(state.failed_samples), ['char-A']);
    assert.deepEqual(Object.keys(state.succeeded_samples), ['char-C']);
    assert.equal(h.sim.stats().chatCompletionCalls, 1 + 3);
    assert.match(h.logger.text(), /Got character 'B' instead of 'A'/);
    assert.deepEqual(Object.keys(readChars(tmp.dir).chars), ['C']);
  });

  it('retries a sample sentence that holds the character once, and fails it if that persists', async () => {
    const fetch = answerRewrite('A', (answer) => ({ ...answer, sample_sentence: 'Only one A here.' }));
    assert.equal(await new FewCharsTask(init({ fetch, requester: { max_retries: 1 } }), ['A']).run(), true);
    assert.deepEqual(Object.keys((await loadState(tmp.dir)).failed_samples), ['char-A']);
    assert.equal(h.sim.stats().chatCompletionCalls, 2);
    assert.match(h.logger.text(), /fewer than twice/);
  });

  it('retries refusals (they carry a retryable parse error) and fails them after max_retries', async () => {
    const fetch = rewritingFetch((userText, message) => (userText === 'Character: A' ? { ...message, content: null, refusal: 'I cannot help with that.' } : undefined));
    assert.equal(await new FewCharsTask(init({ fetch, requester: { max_retries: 1 } }), ['A']).run(), true);
    assert.deepEqual(Object.keys((await loadState(tmp.dir)).failed_samples), ['char-A']);
    assert.equal(h.sim.stats().chatCompletionCalls, 2);
  });

  it('fails an answer with only a warning at once, without retry, as "no error yet failed"', async () => {
    const duplicateChoice: typeof fetch = async (input, requestInit) => {
      const response = await fetch(input, requestInit);
      if (!String(input instanceof Request ? input.url : input).endsWith('/chat/completions')) return response;
      const body = (await response.json()) as { choices: Record<string, unknown>[] };
      body.choices.push({ ...body.choices[0], index: 1 });
      return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
    };
    assert.equal(await new FewCharsTask(init({ fetch: duplicateChoice, requester: { max_retries: 2 } }), ['A']).run(), true);
    assert.deepEqual(Object.keys((await loadState(tmp.dir)).failed_samples), ['char-A']);
    assert.equal(h.sim.stats().chatCompletionCalls, 1);
    assert.match(h.logger.text(), /Sample char-A got no error yet failed/);
  });

  it('retries answers cut off by max_completion_tokens and fails them after max_retries', async () => {
    const meta = { ...charCodesMeta, max_completion_tokens: 5 };
    assert.equal(await new FewCharsTask(init({ initMeta: meta, requester: { max_retries: 1 } }), ['A']).run(), true);
    assert.deepEqual(Object.keys((await loadState(tmp.dir)).failed_samples), ['char-A']);
    assert.equal(h.sim.stats().chatCompletionCalls, 2);
  });
});

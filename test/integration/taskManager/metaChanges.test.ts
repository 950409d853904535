import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useTempDir } from '../../support/store/tempDir';
import { startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { SampleTask, sampleKeys } from '../../support/taskManager/sampleTask';
import { taskFromFile } from '../../support/taskManager/taskFileHost';

/** A fetch that passes everything on and keeps the bodies of the chat completion requests it sent. */
function recordingFetch(): { fetch: typeof fetch; sent: Record<string, unknown>[] } {
  const sent: Record<string, unknown>[] = [];
  return {
    sent,
    fetch: async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/chat/completions') && typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
      return fetch(input, init);
    },
  };
}

const metaWarning = /The configured task meta \(task file and flags\) differs from the stored task meta in (.*): the stored meta is used; run with --reinit_meta to use the configured meta instead/;

describe('TaskManager with a configured meta that differs from the stored one (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('tm-meta-changes');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('warns naming each differing key with both values, keeps sending the stored meta, and switches with reinit_meta', async () => {
    const run = async (keys: number, meta: Record<string, unknown>, reinit = false) => {
      const recording = recordingFetch();
      h.logger.records.length = 0;
      const init = h.init(tmp.dir, { initMeta: meta, requester: { force_direct: true }, taskManager: { reinit_meta: reinit }, fetch: recording.fetch });
      assert.equal(await new SampleTask(init, sampleKeys(keys)).run(), true);
      return recording.sent.map((body) => body.max_completion_tokens);
    };
    assert.deepEqual(await run(2, { model: 'gpt-4o-mini', max_completion_tokens: 60 }), [60, 60]);
    assert.doesNotMatch(h.logger.text(), metaWarning);

    assert.deepEqual(await run(4, { model: 'gpt-4o-mini', max_completion_tokens: 80, temperature: 0.5 }), [60, 60]);
    const warnings = h.logger.records.filter((r) => r.level === 'warn' && metaWarning.test(r.message));
    assert.equal(warnings.length, 1);
    assert.equal(metaWarning.exec(warnings[0]?.message ?? '')?.[1], 'max_completion_tokens (stored 60, configured 80), temperature (stored (not set), configured 0.5)');
    assert.match(h.logger.text(), /Task meta max_completion_tokens = 60/);

    assert.deepEqual(await run(6, { model: 'gpt-4o-mini', max_completion_tokens: 80 }, true), [80, 80]);
    assert.doesNotMatch(h.logger.text(), metaWarning);
  });

  it('names the changed request parameter of a template task, whose new requests keep the stored parameters', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'records.jsonl'), ['a', 'b', 'c'].map((id) => JSON.stringify({ id, text: `Record ${id}` })).join('\n'));
    const template = (input: string, temperature: number) => ({
      input,
      key: 'id',
      messages: [{ role: 'user', content: 'Say something about {{text}}' }],
      request: { model: 'gpt-4o-mini', max_completion_tokens: 40, temperature },
      force_direct: true,
    });
    const first = recordingFetch();
    fs.writeFileSync(path.join(tmp.dir, 'first.jsonl'), JSON.stringify({ id: 'a', text: 'Record a' }));
    assert.equal(await (await taskFromFile(h, tmp.dir, { notes: template('first.jsonl', 0.2) }, 'notes', { fetch: first.fetch })).run(), true);
    assert.deepEqual(first.sent.map((body) => body.temperature), [0.2]);

    h.logger.records.length = 0;
    const second = recordingFetch();
    assert.equal(await (await taskFromFile(h, tmp.dir, { notes: template('records.jsonl', 0.7) }, 'notes', { fetch: second.fetch })).run(), true);
    assert.equal(metaWarning.exec(h.logger.text())?.[1], 'request.temperature (stored 0.2, configured 0.7)');
    assert.deepEqual(second.sent.map((body) => body.temperature), [0.2, 0.2]);
  });
});

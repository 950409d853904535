import assert from 'node:assert/strict';
import { CharCodesTask } from '../../../src/demos/charCodes/charCodesTask';
import { latestPilotForecast } from '../../../src/engine/db/pilotForecasts';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
import type { PilotForecast } from '../../../src/shared/pilotForecast';
import { resolveOptions, type RequesterOptions } from '../../../src/shared/options';
import { readTaskSnapshot } from '../../../src/host/readTaskSnapshot';
import { statusReport } from '../../../src/cli/statusReport';
import { useTempDir } from '../../support/store/tempDir';
import { readRequesterState, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { charCodesMeta } from '../../support/taskManager/demoTasks';

function readForecast(dir: string): PilotForecast | undefined {
  const db = TaskDb.openReadonly(taskDbPath(dir));
  assert.ok(db);
  try {
    return latestPilotForecast(db);
  } finally {
    db.close();
  }
}

describe('pilot forecast (char_codes demo against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('pilot');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const run = (requester: Partial<RequesterOptions>) => new CharCodesTask(h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta, requester })).run();

  it('brackets the true cost of the full run, and pays for no pilot request twice', async () => {
    assert.equal(await run({ pilot: 24 }), true);
    const forecast = readForecast(tmp.dir);
    assert.ok(forecast, 'a forecast is stored');
    const trueCost = readRequesterState(tmp.dir, 'char_codes').metrics.all.total.true_cost;
    assert.ok(forecast.cost.low <= trueCost && trueCost <= forecast.cost.high, `${forecast.cost.low} <= ${trueCost} <= ${forecast.cost.high}`);
    assert.ok(forecast.cost.low < forecast.cost.high, 'the answers differ in length, so the range is not a point');
    assert.equal(forecast.pilotRequests, 24);
    assert.equal(forecast.remainingRequests, 1140 - 24);
    assert.equal(forecast.remainingPrices, 'batch');

    const stats = h.sim.stats();
    const direct = Object.keys(stats.directRequestIdsAnswered);
    const batched = new Set(Object.keys(stats.batchCustomIds));
    assert.equal(direct.length, 24);
    assert.deepEqual(direct.filter((id) => batched.has(id)), [], 'no pilot request is pushed again');
    assert.equal(batched.size, 1140 - 24);
    assert.ok(Object.values(stats.batchCustomIds).every((n) => n === 1));
    assert.equal(stats.routes['POST /v1/batches'], 1);

    const db = TaskDb.openReadonly(taskDbPath(tmp.dir));
    assert.ok(db);
    try {
      const keys = db.all<{ sample_key: string }>("SELECT sample_key FROM requests WHERE batch_kind = 'direct' ORDER BY id").map((row) => row.sample_key);
      const queueOrder = db.all<{ sample_key: string }>('SELECT sample_key FROM requests ORDER BY id').map((row) => row.sample_key);
      const positions = keys.map((key) => queueOrder.indexOf(key));
      assert.ok(Math.min(...positions) < 1140 / 24 && Math.max(...positions) > 1140 - 1140 / 24, `the sample spans the task: ${positions.join(', ')}`);
      assert.equal(db.get<{ n: number }>("SELECT count(*) AS n FROM samples WHERE succeeded IS NOT NULL")?.n, 1140, 'pilot answers are results');
    } finally {
      db.close();
    }
    assert.match(h.logger.text(), /Forecast of the whole task's cost: low [0-9.]+ \/ expected [0-9.]+ \/ high [0-9.]+/);
    assert.match(h.logger.text(), /the remaining 1116 requests at batch prices with a completion ratio of/);
    const status = statusReport(await readTaskSnapshot({ name: 'char_codes', taskDir: tmp.dir, prefix: 'char_codes' }, resolveOptions([]).requester), [], new Map(), 30, 0);
    assert.ok(status.includes(`Forecast of the whole task's cost: low ${forecast.cost.low.toFixed(4)} / expected ${forecast.cost.expected.toFixed(4)} / high ${forecast.cost.high.toFixed(4)}`), status.join('\n'));
  });

  it('with --pilot_update_ratio estimates the remaining requests with the measured ratio', async () => {
    assert.equal(await run({ pilot: 24, pilot_update_ratio: true }), true);
    const forecast = readForecast(tmp.dir);
    assert.ok(forecast?.ratioApplied);
    const db = TaskDb.openReadonly(taskDbPath(tmp.dir));
    assert.ok(db);
    try {
      const frozen = db.all<{ tokens_cost: string }>("SELECT tokens_cost FROM requests WHERE batch_kind = 'batch'").map((row) => JSON.parse(row.tokens_cost) as { output_tokens: number; max_output_tokens: number });
      const ratio = frozen.reduce((n, t) => n + t.output_tokens, 0) / frozen.reduce((n, t) => n + t.max_output_tokens, 0);
      assert.ok(Math.abs(ratio - forecast.completionRatio.expected) < 0.01, `batch estimates assume ${ratio}, the pilot measured ${forecast.completionRatio.expected}`);
      assert.notEqual(forecast.assumedCompletionRatio.toFixed(2), ratio.toFixed(2));
    } finally {
      db.close();
    }
  });

  it('resumes an interrupted pilot with the same sample, asking for no answer twice', async () => {
    const stop = new AbortController();
    let answers = 0;
    const stopAfterTen: typeof fetch = async (input, requestInit) => {
      const response = await fetch(input, requestInit);
      if (String(input instanceof Request ? input.url : input).endsWith('/chat/completions') && ++answers === 10) stop.abort();
      return response;
    };
    const first = new CharCodesTask(h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta, requester: { pilot: 24 }, fetch: stopAfterTen, signal: stop.signal }));
    await assert.rejects(first.run(), { name: 'InterruptedError' });
    assert.equal(readForecast(tmp.dir), undefined);
    assert.equal(await run({ pilot: 24 }), true);
    const stats = h.sim.stats();
    assert.equal(Object.keys(stats.directRequestIdsAnswered).length, 24);
    assert.ok(Object.values(stats.directRequestIdsAnswered).every((n) => n === 1), JSON.stringify(stats.directRequestIdsAnswered));
    assert.deepEqual(Object.keys(stats.directRequestIdsAnswered).filter((id) => id in stats.batchCustomIds), []);
    assert.equal(readForecast(tmp.dir)?.pilotRequests, 24);
    assert.match(h.logger.text(), /Using \d+ direct answer\(s\) saved by an interrupted earlier run/);
  });

  it('runs no pilot on a queue no larger than the pilot', async () => {
    assert.equal(await run({ pilot: 5000 }), true);
    assert.equal(readForecast(tmp.dir), undefined);
    assert.equal(Object.keys(h.sim.stats().directRequestIdsAnswered).length, 0);
    assert.match(h.logger.text(), /No pilot: the 1140 queued requests are not more than the 5000/);
  });
});

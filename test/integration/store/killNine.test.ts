import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { FileStore } from '../../../src/engine/store/fileStore';
import { readJsonFile, readJsonlFile } from '../../../src/engine/store/load';
import { bundleScript, startChild } from '../../support/store/child';

const kills = 50;
const generationSchema = z.object({ generation: z.number().int() });

describe('file store under kill -9', function () {
  this.timeout(120_000);
  let workDir = '';
  let childScript = '';

  before(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-nine-'));
    childScript = bundleScript(path.join(__dirname, '../../support/store/commitLoopChild.ts'), workDir);
  });
  after(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it(`keeps every multi-file commit all-or-nothing across ${kills} SIGKILLs at random moments`, async () => {
    const dir = path.join(workDir, 'task');
    fs.mkdirSync(dir);
    let lastReported = 0;
    for (let kill = 0; kill < kills; kill += 1) {
      const child = startChild(childScript, [dir]);
      await child.waitForLine(/^ready$/);
      // Wait for a first commit so that, however loaded the machine, the kill lands while commits are under way.
      await child.waitForLine(/^committed \d+$/);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      child.process.kill('SIGKILL');
      const { signal } = await child.exited;
      assert.equal(signal, 'SIGKILL', `child ${kill} ended by itself: ${child.lines.join('\n')}`);
      for (const line of child.lines) {
        const match = /^committed (\d+)$/.exec(line);
        if (match) lastReported = Math.max(lastReported, Number(match[1]));
      }

      await FileStore.open(dir, { journalName: 'P.journal' });
      const a = await readJsonFile(path.join(dir, 'a.json'), generationSchema);
      const b = await readJsonFile(path.join(dir, 'b.json'), generationSchema);
      const generation = a?.generation ?? 0;
      assert.equal(b?.generation ?? 0, generation, `after kill ${kill}: a.json and b.json hold different generations`);
      assert.ok(generation >= lastReported, `after kill ${kill}: generation ${lastReported} was reported committed but ${generation} is on disk`);
      assert.ok(generation <= lastReported + 1, `after kill ${kill}: more than one unreported commit`);
      const log = generation === 0 && !fs.existsSync(path.join(dir, 'log.jsonl')) ? [] : await readJsonlFile(path.join(dir, 'log.jsonl'), generationSchema);
      assert.deepEqual(
        log.map((entry) => entry.generation),
        Array.from({ length: generation }, (_, index) => index + 1),
        `after kill ${kill}: log.jsonl does not hold exactly one line per committed generation`,
      );
      const cFile = path.join(dir, 'c.txt');
      if (generation % 2 === 0 && generation > 0) assert.equal(fs.readFileSync(cFile, 'utf8'), String(generation));
      else assert.equal(fs.existsSync(cFile), false, `after kill ${kill}: c.txt should be removed at generation ${generation}`);
      const unexpected = fs.readdirSync(dir).filter((name) => !/^(a\.json|b\.json|c\.txt|log\.jsonl)(\.bak)?$/.test(name));
      assert.deepEqual(unexpected, [], `after kill ${kill}: leftover files`);
      lastReported = generation;
    }
    assert.ok(lastReported >= kills, `the children committed only ${lastReported} generations in ${kills} runs: the kills did not land during commits`);
  });
});

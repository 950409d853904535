import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RankTable } from '../../../src/engine/tokens/rankTable';
import { rankTableFilePath } from '../../../src/engine/tokens/jsBpe';
import { repoRoot } from '../../support/cli/cliProcess';

describe('npm run build', function () {
  this.timeout(120_000);

  it('prints one line naming the bundles, and no watch-mode lines', () => {
    const output = execFileSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(output, 'Built dist/extension.js, dist/worker.js, dist/reader.js, dist/cli.js, dist/anthropic-sdk.js\n');
  });

  it('makes dist/cli.js a command that runs as it is, through its #! line with Node flags', () => {
    const cli = path.join(repoRoot, 'dist', 'cli.js');
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(execFileSync(cli, ['--version'], { encoding: 'utf8' }), `${version}\n`);
  });

  it('ships the serialised rank table of every encoding counted in JavaScript beside the bundles, readable as it is', () => {
    for (const encoding of ['o200k_base', 'cl100k_base']) {
      const file = rankTableFilePath(path.join(repoRoot, 'dist', 'tiktoken-encoders'), encoding);
      assert.ok(RankTable.deserialize(readFileSync(file)), `${file} is not a rank table`);
    }
  });
});

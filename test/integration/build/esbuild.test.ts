import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../../support/cli/cliProcess';

describe('npm run build', function () {
  this.timeout(120_000);

  it('prints one line naming the bundles, and no watch-mode lines', () => {
    const output = execFileSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(output, 'Built dist/extension.js, dist/worker.js, dist/reader.js, dist/cli.js\n');
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

// semver is installed through several dev dependencies; the test only needs its range matching.
const semver = require('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };

const root = path.join(__dirname, '..', '..', '..');

describe('installed packages and the supported Node versions', () => {
  it('every locked package supports the oldest Node the project supports, so npm ci warns of no EBADENGINE', () => {
    const project = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    const oldest = semver.minVersion(project.engines.node)?.version;
    assert.ok(oldest, project.engines.node);
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: unknown } }> };
    const unsupported = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== '' && typeof entry.engines?.node === 'string' && !semver.satisfies(oldest, entry.engines.node))
      .map(([name, entry]) => `${name} needs Node ${String(entry.engines?.node)}`);
    assert.deepEqual(unsupported, [], `Node ${oldest}`);
  });
});

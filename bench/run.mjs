// Runs every benchmark in this folder (`*.bench.ts`, or the ones named on the command line), one process each,
// so that one benchmark's memory does not distort another's figures. Each benchmark prints its own figures and
// writes them as JSON to bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
mkdirSync(path.join(here, 'results'), { recursive: true });
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();

let failures = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--require', 'tsx/cjs', path.join(here, file)], {
    stdio: 'inherit',
    cwd: path.join(here, '..'),
  });
  if (result.status !== 0) failures += 1;
}
if (failures > 0) {
  console.error(`${failures} benchmark(s) failed`);
  process.exit(1);
}

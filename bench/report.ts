import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Prints a benchmark's figures and writes them to bench/results/<name>.json. */
export function reportFigures(name: string, figures: Record<string, number | string>): void {
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key}: ${value}`);
  writeFileSync(path.join(__dirname, 'results', `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

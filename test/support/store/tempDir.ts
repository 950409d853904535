import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp directory per test, removed after it. Call inside a `describe`. */
export function useTempDir(prefix: string): { readonly dir: string } {
  const state = { dir: '' };
  beforeEach(() => {
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  });
  afterEach(() => {
    fs.rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}

/** The sorted names in a directory. */
export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** An error thrown on purpose inside a unit, to check that the unit is rolled back. */
export class PlannedFailure extends Error {
  constructor() {
    super('planned failure');
  }
}

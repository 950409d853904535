import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FakeWandb } from './fakeWandb';

/** The built CLI that W&B tests run. */
export const cli = path.resolve(__dirname, '../../../dist/cli.js');

/** Runs a program and resolves with its output once it exited 0 (rejects otherwise). */
export const run = promisify(execFile);

/** A fake W&B server and a scratch folder for each test file of a suite that runs the built CLI; the getters answer from `before` on. */
export function useCliWandb(name: string): { readonly server: FakeWandb; readonly workDir: string } {
  let server: FakeWandb | undefined;
  let workDir: string | undefined;
  before(async function () {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
    server = await FakeWandb.start();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  });
  after(async () => {
    await server?.stop();
    if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the fake W&B server starts in before()');
      return server;
    },
    get workDir() {
      if (workDir === undefined) throw new Error('the scratch folder is made in before()');
      return workDir;
    },
  };
}

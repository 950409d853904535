// The layout of DESIGN.md ("Architecture"), enforced: which folder of src/ may import which, and no promise left
// floating. Folder names are matched on relative import paths (`../engine/...`, `../../host/...`); no folder of src/
// has a subfolder named like one of its forbidden siblings, so a match always means the sibling folder.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const folders = ['shared', 'engine', 'host', 'demos', 'sim', 'protocol', 'worker', 'extension', 'cli'];

/** What each folder may import besides itself (and npm packages); everything else under src/ is forbidden. */
const mayImport = {
  shared: [],
  engine: ['shared'],
  demos: ['engine', 'shared'],
  host: ['engine', 'shared', 'demos', 'sim', 'protocol'],
  protocol: ['shared'],
  sim: ['engine', 'shared', 'protocol'],
  worker: ['host', 'engine', 'shared', 'protocol', 'sim', 'demos'],
  cli: ['host', 'engine', 'shared', 'protocol', 'sim', 'demos'],
  extension: ['shared', 'protocol'],
};

const why = {
  shared: 'src/shared holds only schemas, types and errors: it imports no other folder of src/',
  engine: 'the engine is pure Node: it never imports the host, demos, simulator, protocol, worker, extension or CLI',
  demos: 'demos are built only on the engine\'s public surface (src/engine/index.ts) and src/shared',
  host: 'the host runs around the engine and is used by the worker and the CLI, never the other way round',
  protocol: 'the protocol is messages only: it imports nothing but src/shared',
  sim: 'the simulator stands apart from the host, demos, worker, extension and CLI',
  worker: 'the worker runs the engine for the extension; it never imports the extension or the CLI',
  cli: 'the CLI runs the engine in its own process; it never imports the extension or the worker',
  extension: 'the extension talks to the engine only through the protocol, so that the engine never runs on the editor\'s thread',
};

/** Outside src/engine (and the host, which reads the task database for queries) the engine is used through its index. */
const engineIndexOnly = new Set(['demos', 'sim', 'worker', 'cli']);

function restrictedImports(folder) {
  const forbidden = folders.filter((other) => other !== folder && !mayImport[folder].includes(other));
  const patterns = forbidden.length === 0 ? [] : [{ regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`, message: why[folder] }];
  if (engineIndexOnly.has(folder)) {
    patterns.push({ regex: '^(\\.\\./)+engine/(?!index$)', message: 'import the engine from its public surface, src/engine/index.ts (`../engine`)' });
  }
  const paths = [];
  if (folder !== 'extension') paths.push({ name: 'vscode', message: 'only src/extension imports vscode' });
  if (folder === 'shared') {
    for (const name of ['fs', 'node:fs', 'fs/promises', 'node:fs/promises']) paths.push({ name, message: 'src/shared does no I/O' });
  }
  return ['error', { paths, patterns }];
}

export default defineConfig(
  // The JavaScript files (build script, test runners, fixtures) are outside the TypeScript project that the
  // type-aware rules need.
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', '.vscode-test-cs/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  ...folders.map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': restrictedImports(folder) },
  })),
);

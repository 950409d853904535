// Takes the task lock of <dir> <name>, prints "locked", and holds it until killed.
import { acquireTaskLock } from '../../../src/engine/store/taskLock';

const [dir, name] = process.argv.slice(2);
const logger = { error: console.error, warn: console.error, info: console.error, debug: console.error };

acquireTaskLock(dir ?? '.', name ?? 'P', { timeout: 0, pollInterval: 0.05, statusInterval: 5, logger }).then(
  () => {
    console.log('locked');
    setInterval(() => {}, 60_000);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);

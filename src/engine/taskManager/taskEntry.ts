import { randomUUID } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CorruptedStateError, InvalidInputError } from '../../shared/errors';
import { TaskDb, taskDbPath } from '../db/taskDb';
import type { Logger } from '../log';
import type { UnitContext } from '../store/unit';
import { metaDifferences, metaDifferencesWarning } from './metaDifferences';
import { type JsonMap, TaskState } from './taskState';

/** Creates the task directory if needed and checks it is writable, naming the way out when it is not. */
export async function prepareTaskDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: false }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw new InvalidInputError(`Cannot create the task directory ${dir}: ${error.message}`);
  });
  await access(dir, constants.W_OK | constants.X_OK).catch((error: NodeJS.ErrnoException) => {
    throw new InvalidInputError(
      `Cannot write to the task directory ${dir} (${error.code ?? error.message}): make it writable, or choose another directory with --task_dir (task file: "task_dir")`,
    );
  });
}

/**
 * Opens the task database (read-only, or in memory for a new task, in a dry run: a dry run writes nothing). A
 * directory holding the JSON state files of an earlier version is refused, saying how to go on.
 */
export function openTaskDb(dir: string, prefix: string, dryrun: boolean): TaskDb {
  const file = taskDbPath(dir);
  const earlier = ['_state.json', '_task.json'].map((suffix) => path.join(dir, `${prefix}${suffix}`)).filter((f) => existsSync(f));
  if (!existsSync(file) && earlier.length > 0) {
    throw new CorruptedStateError(
      earlier[0] as string,
      `${dir} holds the state of an earlier version of GPT Batch (${earlier.map((f) => path.basename(f)).join(', ')}), which kept it in JSON files; ` +
        `this version keeps it in ${path.basename(file)}. Finish the task with the earlier version, or move the directory away to start afresh.`,
    );
  }
  return dryrun ? TaskDb.openForDryRun(file) : TaskDb.openForWriting(file);
}

/** What loading the task state needs from the task manager. */
export interface TaskStateEntry {
  db: TaskDb;
  initMeta: JsonMap;
  /** Replace a loaded task's meta by `initMeta` (`reinit_meta`, once per task manager object). */
  reinitMeta: boolean;
  /** A wipe replaces the stored meta later on entry, so its differences are not worth a warning. */
  wipeTask: boolean;
  logger: Logger;
  clock: () => number;
  unit: <T>(body: (u: UnitContext) => Promise<T>) => Promise<T>;
}

/**
 * Loads the task state, or creates it with `initMeta` for a new task, in one unit; logs the meta and warns about the
 * configured values that differ from the stored ones.
 */
export async function enterTaskState(e: TaskStateEntry): Promise<TaskState> {
  const loaded = TaskState.load(e.db);
  const file = e.db.file;
  const state = await e.unit(async (u) => {
    if (loaded === undefined) {
      const created = TaskState.create(e.db, e.initMeta, randomUUID(), Math.floor(e.clock() / 1000));
      created.save(u);
      e.logger.info(`Created task state: ${file}`);
      return created;
    }
    if (e.reinitMeta) {
      loaded.replaceMeta(e.initMeta);
      loaded.save(u);
      e.logger.warn(`Re-initialised the task meta: ${file}`);
    }
    e.logger.info(`Loaded task state: ${file}`);
    return loaded;
  });
  for (const [key, value] of Object.entries(state.meta)) e.logger.info(`Task meta ${key} = ${JSON.stringify(value)}`);
  if (loaded !== undefined && !e.wipeTask) {
    const differences = metaDifferences(state.meta, e.initMeta);
    if (differences.length > 0) e.logger.warn(metaDifferencesWarning(differences));
  }
  return state;
}

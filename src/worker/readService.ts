import { loadTaskFile, parseTaskFile, TaskFileError } from '../host/loadTaskFile';
import { batchAttemptsPage, sampleAttemptsPage } from '../host/attemptPages';
import { readTaskSnapshot } from '../host/readTaskSnapshot';
import { resolveTaskOptions } from '../host/resolvedOptions';
import { taskFileInvocation } from '../host/runTask';
import { findSamples, samplesPage } from '../host/samplePages';
import { type TaskFiles, withStartedTaskDb } from '../host/taskDbReads';
import { readTaskDocument } from '../host/taskDocuments';
import type { RequestParams, RequestResult } from '../protocol/messages';
import type { RequesterOptions } from '../shared/options';

/**
 * The reader side of the protocol: every read of a task's files and of the task file, served on the reader's own
 * thread so that a large page never delays the engine. It only opens databases read-only, and needs no key.
 */
export class ReadService {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async snapshot({ file }: RequestParams<'tasks/snapshot'>): Promise<RequestResult<'tasks/snapshot'>> {
    const specs = await loadTaskFile(file);
    return {
      tasks: await Promise.all(
        specs.map(async (spec) => {
          const { files, requester } = await this.resolve({ file, task: spec.name });
          return readTaskSnapshot(files, requester);
        }),
      ),
    };
  }

  async page(params: RequestParams<'task/page'>): Promise<RequestResult<'task/page'>> {
    const { source, after, limit } = params;
    return withStartedTaskDb(await this.files(params), (db) => {
      switch (source.kind) {
        case 'batch':
          return batchAttemptsPage(db, source.place, source.id, after, limit);
        case 'samples':
          return samplesPage(db, source.group, after, limit);
        case 'attempts':
          return sampleAttemptsPage(db, source.key, after, limit);
      }
    });
  }

  async document(params: RequestParams<'task/document'>): Promise<RequestResult<'task/document'>> {
    const files = await this.files(params);
    return { json: withStartedTaskDb(files, (db) => readTaskDocument(db, files, params.ref)) };
  }

  async find(params: RequestParams<'samples/find'>): Promise<RequestResult<'samples/find'>> {
    return { samples: withStartedTaskDb(await this.files(params), (db) => findSamples(db, params.prefix, params.limit)) };
  }

  /** The problems of a task file's text, located for the editor; none when it is valid. */
  check({ file, text }: RequestParams<'taskFile/check'>): RequestResult<'taskFile/check'> {
    try {
      parseTaskFile(text, file);
      return { problems: [] };
    } catch (error) {
      if (!(error instanceof TaskFileError)) throw error;
      return { problems: error.problems.map(({ message, line, column }) => ({ message, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) })) };
    }
  }

  private async files(params: { file: string; task: string }): Promise<TaskFiles> {
    return (await this.resolve(params)).files;
  }

  /** Where a task's files are, and the requester options a run of it would use (for its estimates). */
  private async resolve({ file, task }: { file: string; task: string }): Promise<{ files: TaskFiles; requester: RequesterOptions }> {
    const { prefix, taskDir, requester } = resolveTaskOptions(await taskFileInvocation(file, task, {}, 'the editor'), this.env);
    return { files: { name: task, prefix, taskDir }, requester };
  }
}

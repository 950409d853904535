import { workerData } from 'node:worker_threads';
import { batchAttemptsPage, sampleAttemptsPage } from '../../src/host/attemptPages';
import { samplesPage } from '../../src/host/samplePages';
import { type TaskFiles, withStartedTaskDb } from '../../src/host/taskDbReads';
import type { Page, PageSource } from '../../src/shared/taskSnapshot';

/** A page of the tree as the reader reads it: the task database opened read-only, one keyset query, closed. */
export function readTreePage(files: TaskFiles, source: PageSource, after: string | undefined, limit: number): Page {
  return withStartedTaskDb(files, (db) => {
    if (source.kind === 'batch') return batchAttemptsPage(db, source.place, source.id, after, limit);
    if (source.kind === 'attempts') return sampleAttemptsPage(db, source.key, after, limit);
    return samplesPage(db, source.group, after, limit);
  });
}

export interface PagerData {
  files: TaskFiles;
  pages: { source: PageSource; after?: string }[];
  limit: number;
  /** [0]: set to 1 to stop; [1]: pages read so far. */
  shared: Int32Array;
}

/** The body of a worker that reads the given pages round and round, without pause, until told to stop. */
export function runPager({ files, pages, limit, shared }: PagerData): void {
  for (let i = 0; Atomics.load(shared, 0) === 0; i += 1) {
    const page = pages[i % pages.length];
    if (page !== undefined) readTreePage(files, page.source, page.after, limit);
    Atomics.add(shared, 1, 1);
  }
}

if (workerData?.pager === true) runPager(workerData as PagerData);

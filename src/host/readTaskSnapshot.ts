import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type BatchInputLine,
  batchInputLineSchema,
  type BatchState,
  type HistoryEntry,
  historyEntrySchema,
  type RequesterState,
  requesterStateSchema,
  requestInfoSchema,
  type TokensCost,
} from '../shared/requesterState';
import type { BatchSummary, DocumentRef, Page, PageSource, SampleGroup, TaskSnapshot } from '../shared/taskSnapshot';
import { CorruptedStateError, EngineError, InvalidInputError } from '../shared/errors';
import { RequesterFiles } from '../engine/requester/files';
import { readJsonFile } from '../engine/store/load';
import { type JsonMap, TaskState } from '../engine/taskManager/taskState';

/**
 * Reads a task's files for display, without the task lock: a run may be writing them meanwhile. The append-only files
 * are read only up to the line count the state file records, so a line being appended is never seen half-written.
 */

/** Processed batches listed per task; older ones are only counted. */
export const historyTailLength = 50;

/** Where a task's files are. */
export interface TaskFiles {
  name: string;
  taskDir: string;
  prefix: string;
}

/** The task's summary; a task that never ran gives `started: false` and zero counts. */
export async function readTaskSnapshot(task: TaskFiles): Promise<TaskSnapshot> {
  const empty: TaskSnapshot = {
    ...task,
    started: false,
    queuedRequests: 0,
    taskCost: 0,
    queuedEstimate: 0,
    batches: [],
    olderProcessed: 0,
    samples: { succeeded: 0, failed: 0, pending: 0 },
  };
  try {
    const files = new RequesterFiles(task.taskDir, task.prefix);
    const state = await readJsonFile(files.statePath, requesterStateSchema);
    const taskState = await TaskState.load(task.taskDir, task.prefix);
    if (state === undefined) return { ...empty, started: taskState !== undefined, samples: sampleCounts(taskState) };
    const history = await readLines(files.historyPath, state.history.lines, historyEntrySchema.parse);
    const tail = history.slice(-historyTailLength);
    const active = state.batches.map(activeBatchSummary);
    return {
      ...empty,
      started: true,
      queuedRequests: state.queue.lines - state.queue.consumed,
      taskCost: state.metrics.all.total.true_cost,
      queuedEstimate: state.batches.reduce((sum, batch) => sum + batchCost(batch.tokens_cost), 0),
      batches: [...active, ...tail.reverse().map(processedSummary)],
      olderProcessed: history.length - tail.length,
      samples: sampleCounts(taskState),
    };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { ...empty, started: true, error: error.message };
  }
}

/** A page of the requests of a local or remote batch, or of the keys of a sample group. */
export async function readTaskPage(task: TaskFiles, source: PageSource, offset: number, limit: number): Promise<Page> {
  if (source.kind === 'samples') {
    const keys = Object.keys(sampleGroup(await loadTaskState(task), source.group));
    return { total: keys.length, items: keys.slice(offset, offset + limit).map((key) => ({ key, label: key })) };
  }
  const batch = await activeBatch(task, source.place, source.id);
  const lines = await readLines(batch.local_jsonl, batch.num_requests, batchInputLineSchema.parse);
  const infos = await readLines(RequesterFiles.infoPath(batch.local_jsonl), batch.num_requests, requestInfoSchema.parse);
  const items = lines.slice(offset, offset + limit).map((line, index) => {
    const meta = infos[offset + index]?.meta;
    return { key: String(requestIdOf(line)), label: line.custom_id, ...(meta ? { description: JSON.stringify(meta) } : {}) };
  });
  return { total: lines.length, items };
}

/** The JSON of a request (as sent to the provider, with the engine's info) or of a sample's stored state. */
export async function readTaskDocument(task: TaskFiles, ref: DocumentRef): Promise<unknown> {
  if (ref.kind === 'sample') {
    const group = sampleGroup(await loadTaskState(task), ref.group);
    if (!Object.hasOwn(group, ref.key)) throw new InvalidInputError(`Task '${task.name}' has no ${ref.group} sample '${ref.key}'`);
    return group[ref.key];
  }
  const batch = await activeBatch(task, ref.place, ref.batchId);
  const lines = await readLines(batch.local_jsonl, batch.num_requests, batchInputLineSchema.parse);
  const index = lines.findIndex((line) => requestIdOf(line) === ref.requestId);
  const line = lines[index];
  if (line === undefined) throw new InvalidInputError(`Batch ${ref.batchId} of task '${task.name}' has no request ${ref.requestId}`);
  const infos = await readLines(RequesterFiles.infoPath(batch.local_jsonl), batch.num_requests, requestInfoSchema.parse);
  return { ...line, info: infos[index] ?? null };
}

function requestIdOf(line: BatchInputLine): number {
  return Number(line.custom_id.slice('id-'.length));
}

function batchCost(cost: TokensCost): number {
  return cost.cost_input_batch + cost.cost_output_batch;
}

function requestCounts(batch: BatchState): { completed?: number; failed?: number } {
  const counts = (batch.remote?.batch as { request_counts?: { completed?: unknown; failed?: unknown } } | undefined)?.request_counts;
  const out: { completed?: number; failed?: number } = {};
  if (typeof counts?.completed === 'number') out.completed = counts.completed;
  if (typeof counts?.failed === 'number') out.failed = counts.failed;
  return out;
}

function activeBatchSummary(batch: BatchState): BatchSummary {
  const remote = batch.remote;
  return {
    place: remote === null ? 'local' : 'remote',
    id: batch.id,
    numRequests: batch.num_requests,
    status: remote === null ? 'local' : remote.batch.status,
    ...(remote === null ? {} : { remoteId: remote.batch.id }),
    ...requestCounts(batch),
    estimatedCost: batchCost(batch.tokens_cost),
    hasRequests: true,
  };
}

function processedSummary(entry: HistoryEntry): BatchSummary {
  const direct = entry.kind === 'direct';
  return {
    place: direct ? 'direct' : 'processed',
    id: entry.id,
    numRequests: entry.num_requests,
    status: entry.status,
    ...(direct ? {} : { remoteId: entry.remote_batch_id }),
    completed: entry.metrics.succeeded.num_requests,
    failed: entry.metrics.failed.num_requests,
    estimatedCost: direct ? entry.tokens_cost.cost_input_direct + entry.tokens_cost.cost_output_direct : batchCost(entry.tokens_cost),
    trueCost: entry.true_cost,
    hasRequests: false,
  };
}

async function activeBatch(task: TaskFiles, place: string, id: number): Promise<BatchState> {
  const state = await loadRequesterState(task);
  const batch = state.batches.find((b) => b.id === id && (b.remote === null) === (place === 'local'));
  if (batch === undefined) throw new InvalidInputError(`Task '${task.name}' has no ${place} batch ${id} any more (it may have been processed)`);
  return { ...batch, local_jsonl: path.resolve(task.taskDir, batch.local_jsonl) };
}

async function loadRequesterState(task: TaskFiles): Promise<RequesterState> {
  const state = await readJsonFile(new RequesterFiles(task.taskDir, task.prefix).statePath, requesterStateSchema);
  if (state === undefined) throw new InvalidInputError(`Task '${task.name}' has not run yet: ${task.taskDir} holds no state`);
  return state;
}

async function loadTaskState(task: TaskFiles): Promise<TaskState> {
  const state = await TaskState.load(task.taskDir, task.prefix);
  if (state === undefined) throw new InvalidInputError(`Task '${task.name}' has not run yet: ${task.taskDir} holds no task state`);
  return state;
}

function sampleGroup(state: TaskState, group: SampleGroup): JsonMap {
  if (group === 'succeeded') return state.succeeded_samples;
  if (group === 'failed') return state.failed_samples;
  const pending: JsonMap = {};
  for (const [key, value] of Object.entries(state.committed_samples)) {
    if (!Object.hasOwn(state.succeeded_samples, key) && !Object.hasOwn(state.failed_samples, key)) pending[key] = value;
  }
  return pending;
}

function sampleCounts(state: TaskState | undefined): TaskSnapshot['samples'] {
  if (state === undefined) return { succeeded: 0, failed: 0, pending: 0 };
  return {
    succeeded: Object.keys(state.succeeded_samples).length,
    failed: Object.keys(state.failed_samples).length,
    pending: Object.keys(sampleGroup(state, 'pending')).length,
  };
}

/** The first `count` lines of a JSON Lines file, each parsed; lines appended beyond `count` are not read. */
async function readLines<T>(file: string, count: number, parse: (value: unknown) => T): Promise<T[]> {
  if (count === 0) return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CorruptedStateError(file, `Cannot read ${file}: ${(error as Error).message}`);
  }
  const lines = text.split('\n');
  if (lines.length - 1 < count) throw new CorruptedStateError(file, `${file} has ${lines.length - 1} complete lines; the state records ${count}`);
  return lines.slice(0, count).map((line, index) => {
    try {
      return parse(JSON.parse(line));
    } catch (error) {
      throw new CorruptedStateError(file, `${file}, line ${index + 1}: ${(error as Error).message}`);
    }
  });
}

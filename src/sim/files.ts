import { invalidRequest, notFound } from './apiError';
import type { SimState, StateStore, StoredFile } from './persistence';

/** The Files API's file object. */
export interface FileObjectBody {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  expires_at: number | null;
  status_details: null;
}

/** A page of a list endpoint. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

const maxBatchFileBytes = 200 * 1024 * 1024;
const purposes = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const thirtyDays = 30 * 24 * 3600;

/** An expired file is gone, as at the provider. */
function expired(file: StoredFile, nowMs: number): boolean {
  return file.expires_at !== null && nowMs / 1000 >= file.expires_at;
}

/** Files and their contents (uploads and batch output/error files). */
export class FileStore {
  constructor(
    private readonly state: SimState,
    private readonly store: StateStore,
    /** Whether an unfinished batch still reads this file; its content then outlives a delete. */
    private readonly stillNeeded: (fileId: string) => boolean,
    /** The simulator's time in ms, by which files expire. */
    private readonly clock: () => number,
  ) {}

  /** Stores an upload; throws 400 for an unknown purpose, a batch file that is not `.jsonl`, or one over 200 MB. */
  upload(filename: string, purpose: string, content: Buffer, nowMs: number): StoredFile {
    if (!purposes.includes(purpose)) throw invalidRequest(`Invalid value for 'purpose': ${JSON.stringify(purpose)}.`, 'purpose', 'invalid_value');
    if (purpose === 'batch' && !filename.endsWith('.jsonl')) throw invalidRequest('Invalid file format for Batch API. Must be .jsonl', 'file');
    if (purpose === 'batch' && content.length > maxBatchFileBytes) throw invalidRequest('File is too large.', 'file');
    return this.add(filename, purpose, content, nowMs);
  }

  /** Stores a file the simulator produced (batch output and error files), kept `expiresAfterSeconds` (default 30 days). */
  add(filename: string, purpose: string, content: Buffer, nowMs: number, expiresAfterSeconds = thirtyDays): StoredFile {
    const createdAt = Math.floor(nowMs / 1000);
    const file: StoredFile = {
      id: `file-${this.state.tag}${String(this.state.nextFileNumber).padStart(14, '0')}`,
      bytes: content.length,
      created_at: createdAt,
      filename,
      purpose,
      expires_at: purpose === 'batch' || purpose === 'batch_output' ? createdAt + expiresAfterSeconds : null,
    };
    this.state.nextFileNumber += 1;
    this.store.writeContent(file.id, content);
    this.state.files.push(file);
    this.store.save(this.state);
    return file;
  }

  /** The file's metadata; 404 if there is no such file. */
  get(fileId: string): StoredFile {
    const file = this.state.files.find((f) => f.id === fileId);
    if (!file || expired(file, this.clock())) throw notFound(`No such File object: ${fileId}`, 'id');
    return file;
  }

  content(fileId: string): Buffer {
    this.get(fileId);
    const content = this.store.readContent(fileId);
    if (!content) throw notFound(`No content for File object: ${fileId}`, 'id');
    return content;
  }

  /** The content of a file that may have been deleted while a batch still needed it. */
  retainedContent(fileId: string): Buffer | undefined {
    return this.store.readContent(fileId);
  }

  delete(fileId: string): { id: string; object: 'file'; deleted: true } {
    this.get(fileId);
    this.state.files = this.state.files.filter((f) => f.id !== fileId);
    if (!this.stillNeeded(fileId)) this.store.deleteContent(fileId);
    this.store.save(this.state);
    return { id: fileId, object: 'file', deleted: true };
  }

  /** Drops the retained content of a deleted file once no batch needs it any more. */
  releaseIfDeleted(fileId: string): void {
    if (!this.state.files.some((f) => f.id === fileId) && !this.stillNeeded(fileId)) this.store.deleteContent(fileId);
  }

  list(query: URLSearchParams): ListPage<FileObjectBody> {
    const purpose = query.get('purpose');
    const order = query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalidRequest(`Invalid value for 'order': ${JSON.stringify(order)}.`, 'order', 'invalid_value');
    const limit = parseLimit(query.get('limit'), 10_000, 10_000);
    const now = this.clock();
    let files = this.state.files.filter((f) => (purpose === null || f.purpose === purpose) && !expired(f, now));
    files = [...files].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (order === 'desc') files.reverse();
    return paginate(files.map(fileBody), query.get('after'), limit);
  }
}

/** The wire form of a stored file. */
export function fileBody(file: StoredFile): FileObjectBody {
  return { id: file.id, object: 'file', bytes: file.bytes, created_at: file.created_at, filename: file.filename, purpose: file.purpose, status: 'processed', expires_at: file.expires_at, status_details: null };
}

/** The `limit` query parameter: an integer in 1..max, `fallback` when absent; 400 otherwise. */
export function parseLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw invalidRequest(`Invalid 'limit': expected an integer between 1 and ${max}, got ${JSON.stringify(raw)}.`, 'limit', 'invalid_value');
  return limit;
}

/** Cursor pagination over items already in list order: those after the item with id `after`, at most `limit`. */
export function paginate<T extends { id: string }>(items: T[], after: string | null, limit: number): ListPage<T> {
  let start = 0;
  if (after !== null) {
    const index = items.findIndex((item) => item.id === after);
    if (index < 0) throw invalidRequest(`Invalid 'after': no object with id ${JSON.stringify(after)} in this list.`, 'after', 'invalid_value');
    start = index + 1;
  }
  const data = items.slice(start, start + limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: start + limit < items.length };
}

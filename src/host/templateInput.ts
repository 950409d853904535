import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../shared/errors';

/** Input records of a template task: JSONL, a JSON array, or CSV with a header row. */
export type InputRecord = Record<string, unknown>;

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. */
export function parseCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i += 1;
  }
  if (quoted) throw new InvalidInputError(`${file}: a quoted field is not closed`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Reads the records of `file` (by extension), checking that each is an object with a unique `key`. */
export async function readInputRecords(file: string, key: string): Promise<InputRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`Cannot read the input records ${file}: ${(error as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  let records: unknown[];
  if (ext === '.jsonl') {
    records = [];
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line));
      } catch (error) {
        throw new InvalidInputError(`${file}: line ${index + 1} is not valid JSON (${(error as Error).message})`);
      }
    });
  } else if (ext === '.json') {
    try {
      records = JSON.parse(text) as unknown[];
    } catch (error) {
      throw new InvalidInputError(`${file} is not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(records)) throw new InvalidInputError(`${file} must hold a JSON array of records`);
  } else if (ext === '.csv') {
    const [header, ...rows] = parseCsv(text, file);
    if (header === undefined) throw new InvalidInputError(`${file} is empty (a header row is required)`);
    records = rows.map((row, index) => {
      if (row.length !== header.length) throw new InvalidInputError(`${file}: row ${index + 2} has ${row.length} fields but the header has ${header.length}`);
      return Object.fromEntries(header.map((name, j) => [name, row[j]]));
    });
  } else {
    throw new InvalidInputError(`${file}: input records must be a .jsonl, .json or .csv file`);
  }
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const where = `${file}: record ${index + 1}`;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new InvalidInputError(`${where} is not an object`);
    const value = (record as InputRecord)[key];
    if (value === undefined || value === null || value === '') throw new InvalidInputError(`${where} has no key field '${key}'`);
    const id = String(value);
    const previous = seen.get(id);
    if (previous !== undefined) throw new InvalidInputError(`${where} repeats key '${id}' of record ${previous}`);
    seen.set(id, index + 1);
  });
  return records as InputRecord[];
}

/**
 * Fills `{{field}}` placeholders from a record. A missing field is an error naming the record and the field.
 * Non-string values are inserted as JSON.
 */
export function fillTemplate(template: string, record: InputRecord, where: string): string {
  return template.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (_match, field: string) => {
    if (!Object.hasOwn(record, field)) throw new InvalidInputError(`${where} has no field '${field}' used by a message template`);
    const value = record[field];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

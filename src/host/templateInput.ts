import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../shared/errors';

/** Input records of a template task: JSONL, a JSON array, or CSV with a header row. */
export type InputRecord = Record<string, unknown>;

/** One CSV row and the line of the file it starts on (1-based; quoted newlines make rows span lines). */
export interface CsvRow {
  fields: string[];
  line: number;
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. */
export function parseCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
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
      if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line += 1;
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
      rows.push({ fields: row, line: rowLine });
      row = [];
      field = '';
      line += 1;
      rowLine = line;
    } else field += c;
    i += 1;
  }
  if (quoted) throw new InvalidInputError(`${file}: a quoted field is not closed`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push({ fields: row, line: rowLine });
  }
  return rows.filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
}

/** An input record and where it is in its file (`file: line N`, or `file: record N` in a JSON array), for error messages. */
export interface LocatedRecord {
  record: InputRecord;
  where: string;
}

/** Excel's "CSV UTF-8" and some editors start the file with a byte-order mark, which is not part of the first field. */
function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads the records of `file` (by extension), checking that each is an object with a unique `key`. */
export async function readInputRecords(file: string, key: string): Promise<LocatedRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`Cannot read the input records ${file}: ${(error as Error).message}`);
  }
  text = stripByteOrderMark(text);
  const ext = path.extname(file).toLowerCase();
  const located: { record: unknown; place: string }[] = [];
  if (ext === '.jsonl') {
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        located.push({ record: JSON.parse(line), place: `line ${index + 1}` });
      } catch (error) {
        throw new InvalidInputError(`${file}: line ${index + 1} is not valid JSON (${(error as Error).message})`);
      }
    });
  } else if (ext === '.json') {
    let records: unknown;
    try {
      records = JSON.parse(text);
    } catch (error) {
      throw new InvalidInputError(`${file} is not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(records)) throw new InvalidInputError(`${file} must hold a JSON array of records`);
    records.forEach((record: unknown, index) => located.push({ record, place: `record ${index + 1}` }));
  } else if (ext === '.csv') {
    const [header, ...rows] = parseCsv(text, file);
    if (header === undefined) throw new InvalidInputError(`${file} is empty (a header row is required)`);
    for (const row of rows) {
      const place = `line ${row.line}`;
      if (row.fields.length !== header.fields.length) throw new InvalidInputError(`${file}: ${place} has ${row.fields.length} fields but the header has ${header.fields.length}`);
      located.push({ record: Object.fromEntries(header.fields.map((name, j) => [name, row.fields[j]])), place });
    }
  } else {
    throw new InvalidInputError(`${file}: input records must be a .jsonl, .json or .csv file`);
  }
  const seen = new Map<string, string>();
  for (const { record, place } of located) {
    const where = `${file}: ${place}`;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new InvalidInputError(`${where} is not an object`);
    const value = (record as InputRecord)[key];
    if (value === undefined || value === null || value === '') throw new InvalidInputError(`${where} has no key field '${key}'`);
    const id = String(value);
    const previous = seen.get(id);
    if (previous !== undefined) throw new InvalidInputError(`${where} repeats key '${id}' of ${previous}`);
    seen.set(id, place);
  }
  return located.map(({ record, place }) => ({ record: record as InputRecord, where: `${file}: ${place}` }));
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

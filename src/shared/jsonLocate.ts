/**
 * Finds where a value sits in a JSON text, so that an error about a key can point at its line and column (the
 * editor's Problems panel, and CLI messages). A small scanner: it assumes the text is valid JSON.
 */
export interface JsonLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** 0-based offset of the key (for object members) or the value (for array items). */
  offset: number;
}

function locationAt(text: string, offset: number): JsonLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos += 1;
  }
  string(): string {
    const start = this.pos;
    this.pos += 1;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    this.pos += 1;
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }
  skipValue(): void {
    this.ws();
    const c = this.text[this.pos];
    if (c === '"') this.string();
    else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.pos += 1;
      this.ws();
      if (this.text[this.pos] === close) {
        this.pos += 1;
        return;
      }
      for (;;) {
        this.ws();
        if (c === '{') {
          this.string();
          this.ws();
          this.pos += 1;
        }
        this.skipValue();
        this.ws();
        if (this.text[this.pos++] === close) return;
      }
    } else {
      while (this.pos < this.text.length && !/[\s,\]}]/.test(this.text[this.pos] as string)) this.pos += 1;
    }
  }
}

/**
 * The location of the member or item at `path`, or of the deepest existing ancestor when the path does not exist
 * (so a missing key points at the object that should hold it). Undefined for invalid JSON.
 */
export function locateJsonPath(text: string, path: readonly (string | number)[]): JsonLocation | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const s = new Scanner(text);
  s.ws();
  let found = s.pos;
  for (const segment of path) {
    s.ws();
    const open = s.text[s.pos];
    if (open !== '{' && open !== '[') return locationAt(text, found);
    s.pos += 1;
    let hit = false;
    let index = 0;
    for (;;) {
      s.ws();
      if (s.text[s.pos] === '}' || s.text[s.pos] === ']') break;
      let matches: boolean;
      const memberStart = s.pos;
      if (open === '{') {
        const key = s.string();
        s.ws();
        s.pos += 1;
        matches = key === String(segment);
      } else {
        matches = index === segment;
      }
      s.ws();
      if (matches) {
        found = open === '{' ? memberStart : s.pos;
        hit = true;
        break;
      }
      s.skipValue();
      s.ws();
      if (s.text[s.pos] === ',') s.pos += 1;
      index += 1;
    }
    if (!hit) return locationAt(text, found);
  }
  return locationAt(text, found);
}

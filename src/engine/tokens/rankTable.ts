const base64Digits = new Int8Array(128).fill(-1);
[...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].forEach((digit, value) => {
  base64Digits[digit.charCodeAt(0)] = value;
});

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** The first word of a serialised table ("GBR1" read as a little-endian word); a machine of other endianness reads another. */
const serialMagic = 0x31524247;
/** Words before the arrays: the magic, the entry count, the bytes used and the slot count. */
const headerWords = 4;

/**
 * Token ranks by the token's bytes, packed: all tokens' bytes in one buffer, and an open-addressing hash table of
 * entry numbers. For o200k_base that is some 4 MB, where a Map of 170,000 strings takes over 20 MB of heap. Keys are
 * ranges of "byte strings" (one character per byte), looked up without slicing them.
 */
export class RankTable {
  private bytes: Uint8Array;
  /** Where each entry's bytes start; entry i ends where i + 1 starts. */
  private starts: Int32Array;
  private ranks: Int32Array;
  private count = 0;
  private used = 0;
  private slots: Int32Array = new Int32Array(0);
  private mask = 0;

  /** `byteCapacity`: at least the bytes of all tokens that will be added (more is trimmed by `seal`). */
  constructor(byteCapacity: number) {
    this.bytes = new Uint8Array(byteCapacity);
    this.starts = new Int32Array(1024);
    this.ranks = new Int32Array(1024);
  }

  /**
   * Adds the token whose bytes are `text.slice(start, end)` in base64 with `rank`, if every byte is below `byteLimit`;
   * returns whether it was added. A later rank of the same bytes replaces an earlier one.
   */
  addBase64(text: string, start: number, end: number, rank: number, byteLimit: number): boolean {
    const from = this.used;
    let at = from;
    let bits = 0;
    let bitCount = 0;
    for (let i = start; i < end; i++) {
      const value = base64Digits[text.charCodeAt(i)] ?? -1;
      if (value < 0) continue;
      bits = ((bits << 6) | value) & 0xffffff;
      bitCount += 6;
      if (bitCount >= 8) {
        bitCount -= 8;
        const byte = (bits >> bitCount) & 0xff;
        if (byte >= byteLimit) return false;
        this.bytes[at++] = byte;
      }
    }
    if (this.count + 2 > this.starts.length) {
      this.starts = grown(this.starts);
      this.ranks = grown(this.ranks);
    }
    this.starts[this.count] = from;
    this.ranks[this.count] = rank;
    this.count += 1;
    this.used = at;
    this.starts[this.count] = at;
    return true;
  }

  /** Trims the buffers and builds the hash table; call once, after the last `addBase64`. */
  seal(): void {
    this.bytes = this.bytes.slice(0, this.used);
    this.starts = this.starts.slice(0, this.count + 1);
    this.ranks = this.ranks.slice(0, this.count);
    // At most three quarters full: probes stay short, and the table takes 4 bytes per slot.
    let capacity = 1;
    while (capacity * 3 < this.count * 4) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let entry = 0; entry < this.count; entry++) {
      const start = this.starts[entry] as number;
      const end = this.starts[entry + 1] as number;
      let hash = fnvOffset;
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ (this.bytes[i] as number), fnvPrime);
      for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
        const other = this.slots[slot] as number;
        if (other < 0) {
          this.slots[slot] = entry;
          break;
        }
        if (this.sameBytes(other, start, end)) {
          this.slots[slot] = entry;
          break;
        }
      }
    }
  }

  /**
   * The sealed table as one buffer, which `deserialize` turns back into the table without rebuilding it: a header
   * (see `headerWords`), then the starts, ranks and slots as 32-bit words of this machine's byte order, then the bytes.
   */
  serialize(): Uint8Array {
    const words = headerWords + this.starts.length + this.ranks.length + this.slots.length;
    const out = new Uint8Array(words * 4 + this.bytes.length);
    const view = new Int32Array(out.buffer, 0, words);
    view.set([serialMagic, this.count, this.used, this.slots.length]);
    view.set(this.starts, headerWords);
    view.set(this.ranks, headerWords + this.starts.length);
    view.set(this.slots, headerWords + this.starts.length + this.ranks.length);
    out.set(this.bytes, words * 4);
    return out;
  }

  /**
   * The table `serialize` wrote into `buffer`, its arrays viewing the buffer in place; undefined if the buffer is not
   * such a table (another format, another byte order, cut short), so the caller can build the table afresh.
   */
  static deserialize(buffer: Uint8Array): RankTable | undefined {
    const aligned = buffer.byteOffset % 4 === 0 ? buffer : buffer.slice();
    if (aligned.length < headerWords * 4) return undefined;
    const [magic, count, used, slotCount] = new Int32Array(aligned.buffer, aligned.byteOffset, headerWords);
    if (magic !== serialMagic || count === undefined || used === undefined || slotCount === undefined) return undefined;
    if (count < 0 || used < 0 || slotCount <= 0 || (slotCount & (slotCount - 1)) !== 0) return undefined;
    const words = headerWords + count + 1 + count + slotCount;
    if (aligned.length !== words * 4 + used) return undefined;
    const table = new RankTable(0);
    let at = aligned.byteOffset + headerWords * 4;
    const take = (length: number) => {
      const array = new Int32Array(aligned.buffer, at, length);
      at += length * 4;
      return array;
    };
    table.starts = take(count + 1);
    table.ranks = take(count);
    table.slots = take(slotCount);
    table.bytes = new Uint8Array(aligned.buffer, at, used);
    table.count = count;
    table.used = used;
    table.mask = slotCount - 1;
    return table;
  }

  /** The rank of the token whose bytes are `key.slice(start, end)` (a byte string), or -1 if there is none. */
  rank(key: string, start: number, end: number): number {
    let hash = fnvOffset;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ key.charCodeAt(i), fnvPrime);
    const length = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] as number;
      if (entry < 0) return -1;
      const entryStart = this.starts[entry] as number;
      if ((this.starts[entry + 1] as number) - entryStart !== length) continue;
      let i = 0;
      while (i < length && this.bytes[entryStart + i] === key.charCodeAt(start + i)) i++;
      if (i === length) return this.ranks[entry] as number;
    }
  }

  private sameBytes(entry: number, start: number, end: number): boolean {
    const entryStart = this.starts[entry] as number;
    if ((this.starts[entry + 1] as number) - entryStart !== end - start) return false;
    for (let i = 0; i < end - start; i++) if (this.bytes[entryStart + i] !== this.bytes[start + i]) return false;
    return true;
  }
}

function grown(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

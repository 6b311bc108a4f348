// Finds repeated rows while a file streams by, in about 8 to 16 bytes per row: each row's key is
// hashed to two 32-bit halves; one picks its slot in an open-addressing table, which keeps the
// other (the fingerprint) and the line that first had it. Equal keys always match, so every
// real duplicate is flagged; a flagged row is only a candidate, checked exactly afterwards
// (lote-sql.ts), which reads the whole lote: false candidates must stay rare. Two keys match
// only if their fingerprints are equal AND they probe the same slots: a few thousandths of a
// false candidate in a 5-million-row file. That holds while the table keeps the size it was
// given (presized from the file's size): a doubling cannot recompute the slot half, so from
// the first doubling on the fingerprint picks the slot too, and matches become birthday
// collisions of 32 bits (about n^2 / 2^33: 116 false candidates at a million rows).

/**
 * Table slots at most: 8M slots = 64 MB, for about 6.3 million distinct rows: more than the
 * largest upload holds (500 MiB, about 5.8 million rows of a bank's CSV), so the whole-lote
 * check in SQL (when the table is full) is a safety net, not a path imports take.
 */
export const DEFAULT_MAX_SLOTS = 1 << 23

const EMPTY = 0

/** The table holds at most 3 entries per 4 slots (then it doubles, or is full). */
const overLoaded = (entries: number, slots: number) => entries * 4 > slots * 3

/** Tables are sized in steps of this many slots (512 KB). */
const STEP = 1 << 16

/**
 * The smallest table (a multiple of 65,536 slots) that holds `entries` without doubling: not a
 * power of two, so a 5-million-row file takes 56 MB, not the 64 MB of the next power of two.
 */
export function slotsFor(entries: number): number {
  let slots = STEP
  while (overLoaded(entries, slots)) slots += STEP
  return slots
}

/** Maps a 32-bit hash onto [0, slots) by multiplication (any table size, no modulo bias to speak of). */
const slotOf = (hash: number, slots: number) => Math.floor(((hash >>> 0) * slots) / 0x1_0000_0000)

export class FingerprintSet {
  /** Fingerprints. */
  #fp: Int32Array
  /** Line of the first row with the fingerprint; 0 = empty slot (lines start at 1). */
  #line: Int32Array
  #size = 0
  #full = false
  /** The slot comes from the other half of the hash (until the first doubling). */
  #independent = true

  constructor(
    private readonly maxSlots = DEFAULT_MAX_SLOTS,
    initialSlots = 1 << 16,
  ) {
    const slots = Math.min(initialSlots, maxSlots)
    this.#fp = new Int32Array(slots)
    this.#line = new Int32Array(slots)
  }

  /** True once the table reached maxSlots: later rows were not fingerprinted. */
  get full(): boolean {
    return this.#full
  }

  /**
   * Records `key` as seen on `line` (> 0). Returns 0 when its fingerprint is new, or the line
   * that first had it (a duplicate candidate). Once the table is full, returns 0 and records
   * nothing (see `full`).
   */
  add(key: string, line: number): number {
    if (this.#full) return 0
    // Two 32-bit lanes over the UTF-16 code units, mixed at the end (cyrb53's construction).
    let h1 = 0xdeadbeef
    let h2 = 0x41c6ce57
    for (let i = 0; i < key.length; i++) {
      const ch = key.charCodeAt(i)
      h1 = Math.imul(h1 ^ ch, 2654435761)
      h2 = Math.imul(h2 ^ ch, 1597334677)
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
    const fingerprint = h2
    const home = this.#independent ? h1 : h2

    const slots = this.#line.length
    for (let slot = slotOf(home, slots); ; slot = slot + 1 === slots ? 0 : slot + 1) {
      const seen = this.#line[slot]!
      if (seen === EMPTY) break
      if (this.#fp[slot] === fingerprint) return seen
    }
    if (overLoaded(this.#size + 1, this.#line.length) && !this.#grow()) {
      this.#full = true
      return 0
    }
    this.#insert(this.#independent ? h1 : h2, fingerprint, line)
    this.#size++
    return 0
  }

  #insert(home: number, fingerprint: number, line: number): void {
    const slots = this.#line.length
    let slot = slotOf(home, slots)
    while (this.#line[slot] !== EMPTY) slot = slot + 1 === slots ? 0 : slot + 1
    this.#fp[slot] = fingerprint
    this.#line[slot] = line
  }

  #grow(): boolean {
    const slots = Math.min(this.#line.length * 2, this.maxSlots)
    if (slots === this.#line.length) return false
    const [fp, line] = [this.#fp, this.#line]
    this.#fp = new Int32Array(slots)
    this.#line = new Int32Array(slots)
    this.#independent = false
    for (let i = 0; i < line.length; i++) if (line[i] !== EMPTY) this.#insert(fp[i]!, fp[i]!, line[i]!)
    return true
  }
}

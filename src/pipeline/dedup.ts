/**
 * `--dedup-key <col>[,<col>]`: one record per key, keys compared as output (the probe values,
 * after transforms: `A@x.org` and `a@x.org` hashed are one key). By default the first record in
 * input order wins, in one pass (FirstWins). With `--dedup-order <col>` the record with the
 * greatest value of that column wins (text comparison of the UTF-8 bytes, so ISO timestamps
 * compare by time), ties by input order: that needs the whole input first, so pass 1 spools
 * the output (dedup-spool.ts) while OrderWinners keeps, per key, the best value and the
 * sequence number of its record; pass 2 emits the winners in input order.
 *
 * With --partition-by a key is one per partition (an audience's export is deduplicated on its
 * own). Memory: the keys are 128-bit fingerprints in typed arrays (dedup-fingerprint.ts), never
 * JS strings; --dedup-order adds per key 8 bytes and the longest order value's width.
 */
import { fingerprint, FingerprintTable, runSeed } from './dedup-fingerprint.js';
import type { Deduper, RoutedChunk } from './route-chunk.js';

/**
 * The key of record i: its key probes' bytes, and with `--partition-by` its partition's (a key
 * is one per audience: the same profile in two audiences is no duplicate). Several parts are
 * each hashed with their length before them, so no two different lists of values give the same
 * bytes, whatever bytes the values hold.
 */
class KeyPrint {
  private readonly seed = runSeed();
  readonly fp = new Int32Array(4);
  private scratch = new Uint8Array(256);
  private readonly parts: readonly number[];

  constructor(
    private readonly key: readonly number[],
    private readonly probeCount: number,
    /** The partition's probe position, when the run partitions. */
    scope?: number,
  ) {
    this.parts = scope === undefined ? key : [scope, ...key];
  }

  /** Fills `fp`; false when a key column is empty. */
  of(c: RoutedChunk, i: number): boolean {
    const { bytes, offsets } = c.probes!;
    const base = i * this.probeCount;
    if (this.parts.length === 1) {
      const s = offsets[base + this.key[0]];
      const e = offsets[base + this.key[0] + 1];
      if (e === s) return false;
      fingerprint(bytes, s, e, this.seed, this.fp);
      return true;
    }
    for (const k of this.key) if (offsets[base + k + 1] === offsets[base + k]) return false;
    let n = 0;
    for (const probe of this.parts) {
      const s = offsets[base + probe];
      const e = offsets[base + probe + 1];
      if (n + (e - s) + 4 > this.scratch.length) {
        const grown = new Uint8Array(Math.max(this.scratch.length * 2, n + (e - s) + 4));
        grown.set(this.scratch.subarray(0, n));
        this.scratch = grown;
      }
      const len = e - s;
      this.scratch[n++] = len & 0xff;
      this.scratch[n++] = (len >>> 8) & 0xff;
      this.scratch[n++] = (len >>> 16) & 0xff;
      this.scratch[n++] = len >>> 24;
      this.scratch.set(bytes.subarray(s, e), n);
      n += len;
    }
    fingerprint(this.scratch, 0, n, this.seed, this.fp);
    return true;
  }
}

/** The first record of each key wins: one pass, a set of fingerprints. */
export class FirstWins implements Deduper {
  private readonly seen = new FingerprintTable(1 << 16);
  private readonly print: KeyPrint;

  constructor(key: readonly number[], probeCount: number, scope?: number) {
    this.print = new KeyPrint(key, probeCount, scope);
  }

  verdict(c: RoutedChunk, i: number): boolean | 'empty' {
    if (!this.print.of(c, i)) return 'empty';
    this.seen.add(this.print.fp);
    return !this.seen.added;
  }
}

/** Keys per page of OrderWinners' arrays: pages are added as keys come, never copied to grow. */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const IN_PAGE = PAGE - 1;

/**
 * Pass 1 of --dedup-order: per key, the greatest order value so far and the sequence number of
 * its record (the earliest among equals). Values are kept inline at the width of the longest
 * one seen (rounded up to 8 bytes, at least 32), in pages of 65,536 keys, so that growing never
 * holds two copies: 8 bytes plus that width per key.
 */
export class OrderWinners {
  private readonly table = new FingerprintTable(1 << 16, true);
  private readonly print: KeyPrint;
  private readonly winners: Uint32Array[] = [];
  private readonly lengths: Uint32Array[] = [];
  private values: Uint8Array[] = [];
  private width = 32;

  constructor(
    key: readonly number[],
    private readonly order: number,
    private readonly probeCount: number,
    scope?: number,
  ) {
    this.print = new KeyPrint(key, probeCount, scope);
  }

  /** Offers record i (sequence `seq`); returns its key index, or -1 for an empty key. */
  offer(c: RoutedChunk, i: number, seq: number): number {
    if (!this.print.of(c, i)) return -1;
    const index = this.table.add(this.print.fp);
    const at = i * this.probeCount + this.order;
    const { bytes, offsets } = c.probes!;
    const s = offsets[at];
    const len = offsets[at + 1] - s;
    const page = index >>> PAGE_BITS;
    const slot = index & IN_PAGE;
    if (page === this.winners.length) this.addPage();
    if (len > this.width) this.widen(len);
    if (this.table.added || this.greater(page, slot, bytes, s, len)) {
      this.winners[page][slot] = seq;
      this.lengths[page][slot] = len;
      this.values[page].set(bytes.subarray(s, s + len), slot * this.width);
    }
    return index;
  }

  /** Pass 2's deduper: a record wins when it is its key's winner. */
  deduper(): Deduper {
    return {
      verdict: (c, i, seq) => {
        const index = c.keys![i];
        if (index < 0) return 'empty';
        return this.winners[index >>> PAGE_BITS][index & IN_PAGE] !== seq;
      },
    };
  }

  /** Strictly greater, as bytes (UTF-8 byte order is code point order): ties keep the earlier record. */
  private greater(page: number, slot: number, bytes: Uint8Array, s: number, len: number): boolean {
    const values = this.values[page];
    const base = slot * this.width;
    const old = this.lengths[page][slot];
    const n = Math.min(old, len);
    for (let k = 0; k < n; k++) {
      const a = bytes[s + k];
      const b = values[base + k];
      if (a !== b) return a > b;
    }
    return len > old;
  }

  private addPage(): void {
    this.winners.push(new Uint32Array(PAGE));
    this.lengths.push(new Uint32Array(PAGE));
    this.values.push(new Uint8Array(PAGE * this.width));
  }

  /** A value longer than the width: every page is laid out again, one at a time. */
  private widen(len: number): void {
    const width = Math.ceil(len / 8) * 8;
    this.values = this.values.map((old, page) => {
      const values = new Uint8Array(PAGE * width);
      const lengths = this.lengths[page];
      for (let k = 0; k < PAGE; k++) if (lengths[k] > 0) values.set(old.subarray(k * this.width, k * this.width + lengths[k]), k * width);
      return values;
    });
    this.width = width;
  }
}

/**
 * What every hashing op shares: per record, either a value queued in the chunk's SHA-256 batch
 * (its 64 hex digits reserved when the record is written, filled by the batch afterwards) or an
 * already-hashed value kept as lowercase hex, or nothing (empty). Subclasses decide per field in
 * `read`; the output side is this one. No `fill`: the engine fills the shared batch once for all.
 */
import { isHex64, writeLowerAsciiInto } from './encoding.js';
import { Bytes } from './byte-buffers.js';
import { KIND_ALREADY_HASHED, KIND_HASHED } from '../protocol/codes.js';
import type { ValueWriter } from '../formats/worker-format.js';
import type { ChunkColumn, ColumnRunner } from './op.js';
import type { Sha256Batch } from './sha256-batch.js';

/** Length of a digest in hex: every hash op's output. */
export const HASH_HEX = 64;

export abstract class HashedColumn implements ColumnRunner {
  protected readonly hashes: Sha256Batch;
  /** Per record: the batch's value number (hashed) or the offset in `hashed` (already hashed). */
  protected item = new Int32Array(256);
  private kinds: Uint8Array = new Uint8Array(0);
  /** Already-hashed values of the chunk, lowercased, 64 bytes each. */
  private readonly hashed = new Bytes(1 << 12);

  constructor(hashes: Sha256Batch) {
    this.hashes = hashes;
  }

  read(col: ChunkColumn): void {
    if (this.item.length < col.count) this.item = new Int32Array(Math.max(col.count, 2 * this.item.length));
    this.kinds = col.kinds;
    this.hashed.used = 0;
    this.readColumn(col);
  }

  protected abstract readColumn(col: ChunkColumn): void;

  /**
   * When src[s, e) is 64 hex digits, keeps it lowercased as record r's value and returns true:
   * an already-hashed value is never hashed twice.
   */
  protected keepIfHashed(r: number, src: Uint8Array, s: number, e: number): boolean {
    if (!isHex64(src, s, e)) return false;
    const h = this.hashed;
    h.ensure(HASH_HEX);
    this.item[r] = h.used;
    h.used = writeLowerAsciiInto(src, s, e, h.bytes, h.used);
    this.kinds[r] = KIND_ALREADY_HASHED;
    return true;
  }

  /** `keepIfHashed` for a value read as text. */
  protected keepTextIfHashed(r: number, text: string): boolean {
    if (text.length !== HASH_HEX) return false;
    // latin1 would fold a code point above 0xff onto its low byte: only ASCII may pass.
    for (let i = 0; i < HASH_HEX; i++) if (text.charCodeAt(i) >= 0x80) return false;
    return this.keepIfHashed(r, Buffer.from(text, 'latin1'), 0, HASH_HEX);
  }

  /** Record r's value is the batch's value number `item`. */
  protected queued(r: number, item: number): void {
    this.item[r] = item;
    this.kinds[r] = KIND_HASHED;
  }

  write(r: number, w: ValueWriter): void {
    const kind = this.kinds[r];
    if (kind === KIND_HASHED) {
      this.hashes.place(this.item[r], w.reserve(HASH_HEX));
    } else if (kind === KIND_ALREADY_HASHED) {
      const at = w.reserve(HASH_HEX);
      w.out.bytes.set(this.hashed.bytes.subarray(this.item[r], this.item[r] + HASH_HEX), at);
    }
  }
}

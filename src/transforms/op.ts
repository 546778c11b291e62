/**
 * The shape of an op: what the record engine (src/worker/record-engine.ts) hands a transformed
 * column and what it asks back. An op works column-wise on a whole chunk, so every op batches:
 * `read` looks at the column's field in every record still standing (queueing work, deciding
 * rejects), `write` puts one record's value in the output, `fill` completes what `write`
 * reserved. An op is one file (or one family of them) and one line of ./registry.ts.
 */
import type { AesKeyInit, ChunkResult, OpParams } from '../protocol/messages.js';
import type { FieldReader, ValueWriter } from '../formats/worker-format.js';
import type { Sha256Batch } from './sha256-batch.js';

/** One transformed column of one chunk. Arrays are indexed by the record's number in the chunk. */
export interface ChunkColumn {
  readonly src: Buffer;
  /** Records in the chunk. */
  readonly count: number;
  /** The raw field [starts[r], ends[r]) of record r, where the record still stands. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** -1 while record r stands, else its reject reason: an op skips the records it finds rejected. */
  readonly reasons: Int32Array;
  /** The counter kind (KIND_* of protocol/codes.ts) the op gives record r's value. */
  readonly kinds: Uint8Array;
  /** The format's reader of a field's value. */
  readonly fields: FieldReader;
  /** Rejects record r for `reason`: later columns no longer see it, and the reject names this column. */
  fail(r: number, reason: number): void;
  readonly notes: ChunkNotes;
}

/** Counters of the chunk that belong to no column. */
export interface ChunkNotes {
  /** Records whose national phone numbers could not be read for want of a default country. */
  phonesNeedingCountry: number;
}

export interface ColumnRunner {
  /**
   * Reads the column of every standing record, in record order. An op whose output is known only
   * once its batch has run (`length: 'after'`) runs that batch here, so that its rejects are known
   * before the next column is read: the first failing column in field order is the reject's.
   */
  read(col: ChunkColumn): void;
  /** Writes record r's value (it was read and its record is written). */
  write(r: number, w: ValueWriter): void;
  /** `length: 'before'` ops with a batch of their own: fills the slots `write` reserved in the finished output. */
  fill?(out: Buffer): void;
  /** The lookup op: writes field `field` (OutputField kind 'lookup') of record r's match. */
  writeLookup?(r: number, field: number, w: ValueWriter): void;
  /**
   * What the op adds to the chunk's result once every record is written (the lookup's counts and
   * unmatched IDs): `reason[r]` is then -1 for each written record, `line[r]` its line feeds.
   */
  extra?(table: { readonly line: Int32Array; readonly reason: Int32Array }): Partial<ChunkResult>;
}

/** What an op may use besides its params, made once per worker. */
export interface OpContext {
  readonly keys: readonly AesKeyInit[];
  /** The chunk's one SHA-256 batch: every hashing column queues into it, and the engine fills it. */
  readonly hashes: Sha256Batch;
  /** WorkerInit.shared: the read-only state (the profile index) a lookup reads in place. */
  readonly shared?: Readonly<Record<string, SharedArrayBuffer>>;
}

export interface OpDefinition {
  /**
   * 'before': the value's length is known when the field is read (a digest: 64 hex; a ciphertext:
   * from the plaintext's length), so `write` reserves a slot and `fill` completes it after the
   * chunk's batch; 'after': known only once the batch ran (a plaintext, a lookup's columns).
   */
  readonly length: 'before' | 'after';
  /** True when `params.key` must name one of `WorkerInit.keys`. */
  readonly needsKey?: boolean;
  create(params: OpParams, ctx: OpContext): ColumnRunner;
}

/**
 * The converting path's writer (issue 11): builds each output row field by field from what the
 * record engine lends it (RowFields), in the output format's encoding, where the replacing writer
 * (RecordWriter) copies the input record and replaces its transformed fields. One per output
 * format, as its `rows` in ./worker-registry.ts. Worker-side only.
 */
import { Bytes, copyInto } from '../transforms/byte-buffers.js';
import type { ValueWriter } from './worker-format.js';

/** One record's fields, as the engine lends them to the writer (src/worker/row-fields.ts). */
export interface RowFields {
  /** The chunk's input bytes. */
  readonly buf: Buffer;
  /** Whether input field `index` has an op (then `writeOp` writes its value). */
  hasOp(index: number): boolean;
  /** Writes the op's value of input field `index` through `w`: nothing for an empty value. */
  writeOp(index: number, w: ValueWriter): void;
  /** Writes field `field` of the lookup's match (OutputField kind 'lookup') through `w`: nothing when unmatched. */
  writeLookup(field: number, w: ValueWriter): void;
  /** Sets `start`, `end` to input field `index`'s raw range in `buf`. */
  range(index: number): void;
  /** Decodes input field `index` untrimmed to `src[start, end)`; false for malformed quoting. */
  decode(index: number): boolean;
  readonly src: Buffer;
  readonly start: number;
  readonly end: number;
}

/** Where a writer reports the value an op gives it while the engine listens (ChunkPlan.probes). */
export interface ValueCapture {
  /** A value written as bytes: `bytes[start, end)`, before any quoting. */
  value(bytes: Buffer, start: number, end: number): void;
  /** A reserved slot `out[at, at + n)`, filled once the chunk's batches ran. */
  slot(at: number, n: number): void;
}

export interface RowWriter extends ValueWriter {
  /** Starts a chunk's output in `out`. */
  begin(out: Bytes): void;
  /**
   * Writes the current record's row with its line end; returns -1, or a reject reason (code)
   * with `rejectField` set to the input field it is about (-1: the record). On a reject the
   * engine drops what was written of the row.
   */
  write(fields: RowFields): number;
  readonly rejectField: number;
  /** Set by the engine around an op's write when the value is also a probe. */
  capture: ValueCapture | undefined;
  /** True when the writer trims the values it decodes (AAM): probes of them are trimmed too. */
  readonly trims?: boolean;
}

/** What every converting writer shares: the output, slots for ops, the capture of values. */
export abstract class RowWriterBase implements RowWriter {
  out: Bytes = new Bytes(0);
  rejectField = -1;
  capture: ValueCapture | undefined = undefined;
  /** Set by `reserve`: the bytes written since are not all known yet (filled after the chunk). */
  protected reserved = false;

  begin(out: Bytes): void {
    this.out = out;
  }

  reserve(n: number): number {
    const out = this.out;
    out.ensure(n);
    const at = out.used;
    out.used = at + n;
    this.reserved = true;
    this.capture?.slot(at, n);
    return at;
  }

  value(bytes: Buffer, start: number, end: number): void {
    this.capture?.value(bytes, start, end);
    this.encode(bytes, start, end);
  }

  /** Writes a value in the output's encoding. */
  protected abstract encode(bytes: Buffer, start: number, end: number): void;

  abstract write(fields: RowFields): number;

  /** Copies bytes as they are. */
  protected raw(bytes: Uint8Array, start: number, end: number): void {
    copyInto(this.out, bytes as Buffer, start, end);
  }
}

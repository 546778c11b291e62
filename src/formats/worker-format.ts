/**
 * What a record format brings to the worker: a reader that frames the records of a chunk into
 * field ranges and checks each record, a field reader that turns a field's bytes into the value
 * an op works on, and a writer that builds the output records. The record engine
 * (src/worker/record-engine.ts) knows nothing else of the format, so a format is one folder and
 * one line of src/formats/worker-registry.ts. Worker-side only: nothing here imports main-thread code.
 */
import type { Bytes } from '../transforms/byte-buffers.js';
import type { FormatInit, OutputPlan } from '../protocol/messages.js';
import type { RowWriter } from './row-writer.js';

/** A field's value for an op, read from its raw bytes per the format (unquoted, unescaped, trimmed). */
export interface FieldReader {
  /**
   * For a field of ASCII bytes: leaves the trimmed value at `asciiSrc[asciiStart, asciiEnd)` and
   * returns FIELD_ASCII; FIELD_NOT_ASCII when a byte is >= 0x80 (then use `decodeText`); or a reject reason.
   */
  asciiRange(buf: Buffer, fs: number, fe: number): number;
  readonly asciiSrc: Buffer;
  readonly asciiStart: number;
  readonly asciiEnd: number;
  /** The trimmed value as text, or a reject reason. */
  decodeText(buf: Buffer, fs: number, fe: number): string | number;
  /**
   * For the converting writer (issue 11): the value untrimmed, unquoted and unescaped, left at
   * `rawSrc[rawStart, rawEnd)` (in place or in scratch space); false when it cannot be decoded
   * (malformed quoting). A format without quoting leaves it out: its value is the field's bytes.
   */
  decodeRaw?(buf: Buffer, fs: number, fe: number): boolean;
  readonly rawSrc?: Buffer;
  readonly rawStart?: number;
  readonly rawEnd?: number;
}

export const FIELD_ASCII = -1;
export const FIELD_NOT_ASCII = -2;

/** Frames one chunk's records. Scanning state is the reader's own: one reader per worker. */
export interface RecordReader {
  /** Field i of the record last scanned is [starts[i], ends[i]). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** End of the record last scanned, before its line end. */
  readonly recordEnd: number;
  /** Line ends the record last scanned consumed (inside quoted fields too). */
  readonly lineFeeds: number;
  /** The length of a blank line at `pos` (skipped, counted, never written), or 0. */
  blankLine(buf: Buffer, pos: number, length: number): number;
  /** Scans the record at `pos`; returns the position after it. */
  scan(buf: Buffer, pos: number, length: number): number;
  /**
   * After `scan` of the record at `start`: its reject reason, or -1 when its fields can be used.
   * `flawColumn` then names the field the reason is about, or -1.
   */
  flaw(start: number): number;
  readonly flawColumn: number;
}

/**
 * Where an op puts a record's value. Values whose length is known before the chunk's batches run
 * (a digest, a ciphertext) get a slot, filled afterwards; the others are written as they are.
 */
export interface ValueWriter {
  /** Reserves `n` bytes of format-neutral text (hex, base64: nothing to quote); returns their offset in the output. */
  reserve(n: number): number;
  /** Writes a value, encoded as the format needs (quoted when it holds a delimiter, say). */
  value(bytes: Buffer, start: number, end: number): void;
  /** The output buffer, valid until the next `reserve` or `value`. */
  readonly out: Bytes;
}

/**
 * Builds the output, record by record in input order. The engine calls, per written record:
 * `record(start)`, then per transformed field in field order `field(fs, fe)` followed by the op's
 * value, then `end(recordEnd)`; per dropped record `drop()`.
 */
export interface RecordWriter extends ValueWriter {
  /** Starts a chunk's output in `out` (from its offset 0), reading untouched bytes from src[0, length). */
  begin(src: Buffer, length: number, out: Bytes): void;
  record(start: number): void;
  /** The field [fs, fe) of the current record is replaced by the value written next. */
  field(fs: number, fe: number): void;
  /** Ends the current record; returns the output offset after it. */
  end(recordEnd: number): number;
  /** A record not written (rejected): nothing of it reaches the output. */
  drop(): void;
  /** Ends the chunk; returns the output length. */
  finish(): number;
}

export interface WorkerFormat {
  reader(format: FormatInit, limits: { fieldCount: number; maxRecordBytes: number }): RecordReader;
  fields(format: FormatInit): FieldReader;
  /** The replacing writer (the input written back with its transformed fields replaced): formats that are their own output. */
  readonly writer?: (format: FormatInit) => RecordWriter;
  /** The converting writer (rows built field by field from any input): formats `--to` can name. */
  readonly rows?: (plan: OutputPlan) => RowWriter;
}

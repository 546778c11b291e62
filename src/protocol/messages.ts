/**
 * Every message that crosses the thread boundary, in one file, with the few constants both
 * sides must agree on. It imports nothing. Bytes cross as transferred ArrayBuffers, never as arrays of
 * row objects; errors cross as plain `{code, message, context}` objects.
 */

/** Operation codes of the transform plan, one per transformed column. */
export const Op = {
  EmailSha256: 1,
  PhoneSha256: 2,
  PhoneSha256E164: 3,
  Sha256: 4,
  Sha256Lc: 5,
  Encrypt: 6,
  Decrypt: 7,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Reject reasons, as codes across the boundary and as text in the reject file. */
export const REJECT_REASONS = ['field_count', 'record_too_large', 'invalid_utf8', 'invalid_email', 'invalid_phone', 'bad_ciphertext', 'bad_quote', 'bad_line_end'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The reject file keeps at most this many bytes of a record (README: Rules for values); the report counts the cut ones. */
export const REJECT_RECORD_MAX_BYTES = 65536;

export interface ColumnOp {
  /** Index of the column in the header. */
  readonly index: number;
  readonly name: string;
  readonly op: Op;
}

/** Given to every worker once, as `workerData`. Read-only shared state lives here too. */
export interface WorkerInit {
  readonly fieldCount: number;
  readonly columns: readonly ColumnOp[];
  readonly delimiter: number;
  readonly quote: number;
  /** Equal to `quote` for RFC 4180 doubling; another byte (backslash) escapes inside quotes. */
  readonly escape: number;
  /** The byte that ends records, learnt from the header: LF (CRLF included) or CR. Default LF. */
  readonly lineEnd?: number;
  readonly maxRecordBytes: number;
  readonly defaultCountry?: string;
  readonly cipherEncoding: 'hex' | 'base64';
  /** Raw AES key and IV bytes, present only when a column is encrypted or decrypted. */
  readonly aesKey?: Uint8Array;
  readonly aesIv?: Uint8Array;
  /**
   * When set, each chunk's output is gzipped in the worker, one gzip member per chunk: the
   * members concatenate to one valid gzip file, and compression runs on every core.
   */
  readonly gzipLevel?: number;
  /**
   * Read-only state shared by all workers (e.g. the reconciliation index), as
   * SharedArrayBuffers so that no worker holds a copy.
   */
  readonly shared?: Readonly<Record<string, SharedArrayBuffer>>;
}

/** One record-aligned chunk of input bytes. */
export interface ChunkTask {
  /** Transferred: the worker owns it after the call. Bytes [0, length) are the chunk. */
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** Transferred: a recycled buffer the worker may write its output into. */
  readonly spare?: ArrayBuffer;
}

/** Counters per transformed column, in the order of `WorkerInit.columns`. */
export const COLUMN_COUNTERS = ['hashed', 'alreadyHashed', 'empty', 'invalid', 'encrypted', 'decrypted'] as const;
export type ColumnCounter = (typeof COLUMN_COUNTERS)[number];

export interface ChunkResult {
  /** The task's input buffer, transferred back for reuse. */
  readonly input: ArrayBuffer;
  /** Transferred. Output bytes [0, outLength). */
  readonly out: ArrayBuffer;
  readonly outLength: number;
  /** Line feeds in the chunk: the merger turns chunk-relative line numbers into absolute ones. */
  readonly lineFeeds: number;
  readonly records: number;
  readonly recordsOut: number;
  readonly blankLines: number;
  /** Records whose national phone numbers could not be read for want of `--default-country`. */
  readonly phonesNeedingCountry: number;
  /** Flat: `columns.length * COLUMN_COUNTERS.length` counters. */
  readonly columnCounts: Float64Array;
  readonly rejects: RejectBatch;
}

/** Rejected records of one chunk, packed. Entry i's record text is raw[rawOffsets[i], rawOffsets[i+1]). */
export interface RejectBatch {
  readonly count: number;
  /** Line feeds before the record's first byte, relative to the chunk start. */
  readonly lineOffsets: Int32Array;
  /** Index into REJECT_REASONS. */
  readonly reasons: Uint8Array;
  /** Header column index of the first failing column, or -1 for record-level reasons. */
  readonly columns: Int32Array;
  /** Entry i's record text: at most REJECT_RECORD_MAX_BYTES of it. */
  readonly rawOffsets: Int32Array;
  readonly raw: ArrayBuffer;
  /** Entry i's record length before it was cut. */
  readonly recordLengths: Int32Array;
}

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly context?: Record<string, unknown>;
}

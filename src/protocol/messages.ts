/**
 * Every message that crosses the thread boundary, in one file, with the few constants both
 * sides must agree on. It imports nothing. Bytes cross as transferred ArrayBuffers, never as arrays of
 * row objects; errors cross as plain `{code, message, context}` objects.
 */

/**
 * The ops a column can be given, by the names the configuration uses. Each is one entry of the
 * worker's op registry (src/transforms/registry.ts), which is typed against this list.
 */
export const OP_NAMES = ['email_lc_sha256', 'phone_sha256', 'phone_sha256_e164', 'sha256', 'sha256_lc', 'encrypt', 'decrypt', 'ecid', 'gaid', 'idfa', 'external_id', 'lookup'] as const;
export type OpName = (typeof OP_NAMES)[number];

/** Short names for the ops, for code that names one (tests, the bench). */
export const Op = {
  EmailSha256: 'email_lc_sha256',
  PhoneSha256: 'phone_sha256',
  PhoneSha256E164: 'phone_sha256_e164',
  Sha256: 'sha256',
  Sha256Lc: 'sha256_lc',
  Encrypt: 'encrypt',
  Decrypt: 'decrypt',
  Ecid: 'ecid',
  Gaid: 'gaid',
  Idfa: 'idfa',
  ExternalId: 'external_id',
  Lookup: 'lookup',
} as const satisfies Record<string, OpName>;

/** Reject reasons, as codes across the boundary and as text in the reject file. */
export const REJECT_REASONS = [
  'field_count',
  'record_too_large',
  'invalid_utf8',
  'invalid_email',
  'invalid_phone',
  'bad_ciphertext',
  'bad_quote',
  'bad_line_end',
  // Issue 11: appended, never reordered (the codes cross the thread boundary by index).
  'invalid_id',
  'missing_id',
  'line_too_long',
  'no_traits',
  'missing_mandatory',
  'invalid_trait',
  'too_many_lines_for_id',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The reject file keeps at most this many bytes of a record (README: Rules for values); the report counts the cut ones. */
export const REJECT_RECORD_MAX_BYTES = 65536;

/**
 * What one op of one column needs besides the field: values come validated from the main side
 * (the worker checks nothing of them but their presence).
 */
export interface OpParams {
  /** Index into `WorkerInit.keys`: the AES key and IV of an encrypt or decrypt op. */
  readonly key?: number;
  /** The ciphertext's text encoding (encrypt, decrypt). Default hex. */
  readonly encoding?: 'hex' | 'base64';
  /** ISO 3166-1 alpha-2, validated and upper-cased: the plan of national phone numbers. */
  readonly defaultCountry?: string;
  /** The lookup op (import-audience, issue 12): how the column's IDs are matched against the shared profile index. */
  readonly lookup?: LookupParams;
  /**
   * encrypt: what the plaintext is made of the trimmed value. 'email': lowercased, and an
   * invalid address rejects the record (`invalid_email`); 'phone': the number in E.164 with its
   * '+', read as phone_sha256 reads it (`invalid_phone` otherwise). Absent: the trimmed value as it is.
   */
  readonly normalize?: 'email' | 'phone';
}

/** The lookup op's data sources, in the order they are tried (WorkerInit.shared holds the index). */
export interface LookupParams {
  readonly sources: readonly {
    /** The source's number in the profile index (the job file's order). */
    readonly index: number;
    /** An AES source: its key and IV in `WorkerInit.keys`, and the ciphertext's encoding. */
    readonly key?: number;
    readonly encoding?: 'hex' | 'base64';
    /** AES channel email or sms with --file-audience: plaintexts that match no profile are sent back. */
    readonly keepPlain?: boolean;
  }[];
  /** Every source's label, by its number in the index: the output's data_source column. */
  readonly labels: readonly string[];
  /** The plan of national numbers for decrypted AES sms IDs. */
  readonly defaultCountry?: string;
  /** Send the unmatched IDs themselves back (--unmatched); without it LookupChunk.ids is empty and only their counts come back. */
  readonly keepUnmatched?: boolean;
}

/** Lookup fields of an output row (OutputField kind 'lookup'): the matched source's label; kept profile field f is f (0: profiles.id). */
export const LOOKUP_LABEL = -1;

/**
 * What a lookup column adds to a chunk's result (ChunkResult.lookup). Unmatched records are
 * neither written nor rejected: records = recordsOut + rejects.count + unmatched.
 */
export interface LookupChunk {
  /** Per source (index order): written records it matched. */
  readonly matched: Float64Array;
  /** Per source (index order): unmatched IDs it could read (no_profile), and AES IDs it could not decrypt (bad_ciphertext): 2 per source. */
  readonly unmatchedBySource: Float64Array;
  readonly unmatched: number;
  /** Per unmatched record, in record order: line feeds before it (as RejectBatch.lineOffsets), reason (1 no_profile, 2 bad_ciphertext, 3 invalid_id). */
  readonly lines: Int32Array;
  readonly reasons: Uint8Array;
  /** Unmatched record i's ID as received: bytes[offsets[i], offsets[i + 1]). */
  readonly ids: ArrayBuffer;
  readonly idOffsets: Int32Array;
  /** --file-audience: per unmatched record its kept plaintext, bytes[offsets[i], offsets[i + 1]) (empty: none), and the source (index) that decrypted it, or -1. */
  readonly plain?: { readonly bytes: ArrayBuffer; readonly offsets: Int32Array; readonly sources: Int32Array };
}

export interface ColumnOp {
  /** Index of the column in the record (the header's order). */
  readonly index: number;
  readonly name: string;
  readonly op: OpName;
  readonly params: OpParams;
}

/** Raw AES key (16, 24 or 32 bytes) and IV (16 bytes) of one data source. */
export interface AesKeyInit {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * The record format, by its registry name, with the options its worker side reads (for CSV the
 * dialect's bytes: delimiter, quote, escape). Plain values: it crosses as workerData.
 */
export interface FormatInit {
  readonly name: string;
  readonly [option: string]: string | number | boolean | undefined;
}

/**
 * Given to every worker once, as `workerData`, when the pool starts: before the input's header
 * is read, so it holds only what the configuration knows. Keys go here and never in a task,
 * which waits in Piscina's job queue. Read-only shared state lives here too.
 */
export interface WorkerInit {
  readonly format: FormatInit;
  readonly maxRecordBytes: number;
  /** The run's AES keys, referred to by `OpParams.key`; empty when no column is encrypted or decrypted. */
  readonly keys: readonly AesKeyInit[];
  /**
   * 'native' hashes with the addon when it loads, 'js' with `crypto.hash` per value (chosen on the
   * main side, from AUDIENCE_PIPE_SHA256_BATCH: the worker reads no environment).
   */
  readonly sha256: 'native' | 'js';
  /**
   * Read-only state shared by all workers (e.g. the reconciliation index), as
   * SharedArrayBuffers so that no worker holds a copy.
   */
  readonly shared?: Readonly<Record<string, SharedArrayBuffer>>;
  /** The main thread's compile cache directory, set by the pool when there is one (src/worker/boot.ts). */
  readonly compileCache?: string;
}

/**
 * What the input's header (and the output) decide, known only after the pool has started. Small
 * and secret-free, so it travels in every task; `id` tells a worker it has seen the plan before.
 */
export interface ChunkPlan {
  readonly id: number;
  /** Fields of a well-formed record: a record with another count is rejected. */
  readonly fieldCount: number;
  readonly columns: readonly ColumnOp[];
  /** The byte that ends records, learnt from the header (LF, CRLF included, or CR) or the format's. */
  readonly lineEnd: number;
  /**
   * When set, each chunk's output is gzipped in the worker, one gzip member per chunk: the
   * members concatenate to one valid gzip file, and compression runs on every core.
   */
  readonly gzipLevel?: number;
  /**
   * When set, each result carries `recordEnds`. A stage that routes records by their output
   * offsets (splits, partitions, dedup: issue 11) asks for them; a run that does not need them
   * does not pay for them (4 bytes a record in transfers, ~7 MB of peak RSS on the 5M-row hash job).
   */
  readonly recordEnds?: boolean;
  /**
   * When set, records are written by the converting path (src/worker/record-engine.ts): row by
   * row from the fields the plan lists, in the output format's encoding. Absent, the engine copies
   * each input record with its transformed fields replaced (the CsvReplacingWriter path), byte for
   * byte as before issue 11.
   */
  readonly output?: OutputPlan;
  /**
   * With `recordEnds` and `output`: input field indexes whose values each result carries per
   * written record (`ChunkResult.probes`), as output (after the field's op), for the stages that
   * route records by value (dedup keys, partitions, the AAM ID).
   */
  readonly probes?: readonly number[];
}

/**
 * One field of an output row: an input field (its op's value when the field has one, else its
 * value decoded per the input format and encoded per the output's), or the same text on every row.
 */
export type OutputField =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'constant'; readonly value: string }
  /** The lookup column's match (import-audience): kept profile field `field` (0: profiles.id), or LOOKUP_LABEL. */
  | { readonly kind: 'lookup'; readonly field: number };

/** How an `aam-inbound` row is made: `<ID><TAB><token>,<token>,...` (README: Formats, Writing). */
export interface AamInboundPlan {
  /** Input field index of the user ID. */
  readonly id: number;
  /** Constant tokens (`--trait`), checked on the main side, first on every row in this order. */
  readonly traits: readonly string[];
  /** Input field index of a comma-separated list of trait IDs, each written `d_sid=<id>`. */
  readonly traitsColumn?: number;
  /** Input field index of a comma-separated list of trait IDs, each written `d_unsid=<id>`. */
  readonly removedTraitsColumn?: number;
  /** `--signal`: each written `"<name>"="<value>"` (omitted on a row where the value is empty). */
  readonly signals: readonly { readonly index: number; readonly name: string }[];
}

/**
 * The converting path's plan (`ChunkPlan.output`), built on the main side by
 * src/pipeline/plan-output.ts from --to, --select, --mandatory and --membership-status.
 */
export interface OutputPlan {
  /**
   * The output format by name ('csv', 'aep-csv', 'aam-inbound'), with its options: for CSV
   * dialects the bytes `delimiter`, `quote`, `escape`.
   */
  readonly format: FormatInit;
  /** CSV and AEP outputs: the row's fields in order (aam-inbound rows are made from `aam`). */
  readonly fields: readonly OutputField[];
  /**
   * True when the input and the output are one dialect: a field without an op is copied as its
   * input bytes, never decoded (so AEP in, AEP out is byte for byte).
   */
  readonly copyFields: boolean;
  /** Input field indexes that must not be empty (trimmed): else `missing_mandatory`, naming the field. */
  readonly mandatory: readonly number[];
  readonly aam?: AamInboundPlan;
}

/** One record-aligned chunk of input bytes. */
export interface ChunkTask {
  readonly kind: 'chunk';
  readonly plan: ChunkPlan;
  /** Transferred: the worker owns it after the call. Bytes [0, length) are the chunk. */
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** Transferred: a recycled buffer the worker may write its output into. */
  readonly spare?: ArrayBuffer;
}

/**
 * Asks a worker what it sees of a shared region (WorkerInit.shared), so the main side can check
 * that the workers read what it published (a profile index, #12) before a run relies on it.
 */
export interface SharedCheckTask {
  readonly kind: 'shared-check';
  readonly name: string;
}

/** A digest rather than the bytes: an index of hundreds of megabytes is not copied back. */
export interface SharedCheckResult {
  readonly generation: number;
  readonly length: number;
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
  /** The worker that answered: a check of every worker can tell that each one did. */
  readonly threadId: number;
}

/** Every kind of task the pool runs, told apart by `kind` (reconciliation adds 'build-index'). */
export type WorkerTask = ChunkTask | SharedCheckTask;

/** Counters per transformed column, in the order of `ChunkPlan.columns`. */
/** `validated`: a raw identity that passed its `--id-type` check (reported for those columns only). */
export const COLUMN_COUNTERS = ['hashed', 'alreadyHashed', 'empty', 'invalid', 'encrypted', 'decrypted', 'validated'] as const;
export type ColumnCounter = (typeof COLUMN_COUNTERS)[number];

export interface ChunkResult {
  /** The task's input buffer, transferred back for reuse. */
  readonly input: ArrayBuffer;
  /** Transferred. Output bytes [0, outLength). */
  readonly out: ArrayBuffer;
  readonly outLength: number;
  /**
   * Transferred, present when the plan asks for it. Entry i is the offset in the output (before
   * gzip) just after written record i (`recordsOut` entries): later stages split, partition or
   * drop records by these, never by scanning the output again.
   */
  readonly recordEnds?: Int32Array;
  /**
   * Transferred, present with `recordEnds`: entry i is the line feeds before written record i,
   * from the chunk's start (as `RejectBatch.lineOffsets`), so that a later stage's rejects
   * (duplicates, too many lines for an ID) get their line numbers.
   */
  readonly recordLines?: Int32Array;
  /**
   * Transferred, present when the plan has `probes`: written record i's probe j is
   * bytes[offsets[i * P + j], offsets[i * P + j + 1]) with P = plan.probes.length (offsets has
   * recordsOut * P + 1 entries): the value as output (after its op: a hash for a hashed
   * column), unquoted and unescaped, UTF-8.
   */
  readonly probes?: { readonly bytes: ArrayBuffer; readonly offsets: Int32Array };
  /** Present when the plan has a lookup column (import-audience): its matches and unmatched IDs. */
  readonly lookup?: LookupChunk;
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
  readonly context?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Cuts a byte stream into record-aligned chunks: the header record first, then chunks of about
 * `chunkSize` bytes that each end on a record boundary, each in an ArrayBuffer of its own so it
 * can be transferred to a worker without a copy. Runs on the main thread: per byte it does one
 * memcpy and the framing's memchr scans, nothing more.
 *
 * A record longer than `maxRecordBytes` (an unterminated quote makes one) cannot be framed by
 * quote parity; it is handed on as an `oversize` item, and reading resumes after the first line
 * break at or past the limit, outside quotes again.
 */
import type { RecordFraming } from './framing.js';
import { LF, countLineFeeds } from '../transforms/csv-scan.js';

export type FramedItem =
  /** The first record, without its line end; `lineFeeds` counts the blank lines before it too. */
  | { readonly kind: 'header'; readonly bytes: Buffer; readonly lineFeeds: number; readonly blankLines: number }
  /** Whole records: bytes [0, length) of `buffer`. */
  | { readonly kind: 'records'; readonly buffer: ArrayBuffer; readonly length: number }
  /** One record too large to frame: its first bytes (up to about the limit) and the line feeds it spans. */
  | { readonly kind: 'oversize'; readonly bytes: Buffer; readonly lineFeeds: number };

export interface ChunkerOptions {
  readonly framing: RecordFraming;
  readonly chunkSize: number;
  readonly maxRecordBytes: number;
  /** Where chunk buffers come from (a recycling pool); by default a fresh buffer each. */
  readonly allocate?: (size: number) => ArrayBuffer;
}

const freshBuffer = (size: number): ArrayBuffer => Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The source may reuse the buffer it yields once the next one is asked for (a file read into
 * one buffer over and over): every byte is copied into the chunk being assembled before then.
 */
export async function* frameRecords(source: AsyncIterable<Buffer>, options: ChunkerOptions): AsyncGenerator<FramedItem> {
  const { framing, chunkSize, maxRecordBytes } = options;
  const allocate = options.allocate ?? freshBuffer;
  // The chunk being assembled: bytes [0, filled) of `view`, which covers all of `chunk`.
  let chunk = allocate(chunkSize);
  let view = Buffer.from(chunk);
  let filled = 0;
  let headerDone = false;
  // Skipping the rest of an oversize record that had no line break within the buffered bytes.
  let skipping: { bytes: Buffer; lineFeeds: number } | undefined;

  const append = (data: Buffer): void => {
    if (filled + data.length > view.length) {
      const bigger = allocate(Math.max(filled + data.length, chunkSize + data.length, 2 * filled));
      const biggerView = Buffer.from(bigger);
      biggerView.set(view.subarray(0, filled), 0);
      chunk = bigger;
      view = biggerView;
    }
    view.set(data, filled);
    filled += data.length;
  };
  /** Starts a new chunk holding view[from, filled) of the current one. */
  const carryOver = (from: number): void => {
    const rest = filled - from;
    const next = allocate(Math.max(chunkSize + rest, rest * 2));
    const nextView = Buffer.from(next);
    nextView.set(view.subarray(from, filled), 0);
    chunk = next;
    view = nextView;
    filled = rest;
  };

  for await (let data of source) {
    if (skipping) {
      const j = data.indexOf(LF);
      if (j < 0) continue;
      yield { kind: 'oversize', bytes: skipping.bytes, lineFeeds: skipping.lineFeeds + 1 };
      skipping = undefined;
      data = data.subarray(j + 1);
    }
    if (data.length === 0) continue;
    append(data);

    if (!headerDone) {
      const { start, blankLines } = skipBomAndBlankLines(view, filled);
      const end = framing.firstBoundary(view.subarray(start, filled), filled - start);
      if (end < 0) {
        if (filled - start > maxRecordBytes) throw new HeaderTooLargeError(maxRecordBytes);
        continue;
      }
      const headerWithEol = Buffer.from(view.subarray(start, start + end));
      yield { kind: 'header', bytes: stripLineEnd(headerWithEol), lineFeeds: blankLines + countLineFeeds(headerWithEol), blankLines };
      headerDone = true;
      view.copyWithin(0, start + end, filled);
      filled -= start + end;
    }

    while (filled >= chunkSize) {
      const cut = framing.lastBoundary(view, filled);
      if (cut > 0) {
        const done = chunk;
        carryOver(cut);
        yield { kind: 'records', buffer: done, length: cut };
        continue;
      }
      if (filled <= maxRecordBytes) break;
      // One record spans everything buffered and is over the limit.
      const j = view.indexOf(LF, maxRecordBytes);
      if (j < 0 || j >= filled) {
        skipping = { bytes: Buffer.from(view.subarray(0, maxRecordBytes)), lineFeeds: countLineFeeds(view.subarray(0, filled)) };
        filled = 0;
        break;
      }
      yield { kind: 'oversize', bytes: Buffer.from(view.subarray(0, j)), lineFeeds: countLineFeeds(view.subarray(0, j + 1)) };
      view.copyWithin(0, j + 1, filled);
      filled -= j + 1;
    }
  }

  if (skipping) {
    yield { kind: 'oversize', bytes: skipping.bytes, lineFeeds: skipping.lineFeeds };
    return;
  }
  if (!headerDone) {
    if (filled === 0) throw new NoHeaderError();
    const { start, blankLines } = skipBomAndBlankLines(view, filled);
    if (start >= filled) throw new NoHeaderError();
    const headerBytes = Buffer.from(view.subarray(start, filled));
    yield { kind: 'header', bytes: stripLineEnd(headerBytes), lineFeeds: blankLines + countLineFeeds(headerBytes), blankLines };
    return;
  }
  if (filled > 0) yield { kind: 'records', buffer: chunk, length: filled };
}

export class NoHeaderError extends Error {
  readonly code = 'ERR_NO_HEADER';
  constructor() {
    super('input has no header');
  }
}

export class HeaderTooLargeError extends Error {
  readonly code = 'ERR_HEADER_TOO_LARGE';
  constructor(limit: number) {
    super(`the header record is longer than --max-record-bytes (${limit})`);
  }
}

/** A UTF-8 BOM is dropped; blank lines before the header are not records. */
function skipBomAndBlankLines(b: Buffer, len: number): { start: number; blankLines: number } {
  let start = len >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2] ? 3 : 0;
  let blankLines = 0;
  for (;;) {
    if (start < len && b[start] === LF) start += 1;
    else if (start + 1 < len && b[start] === 0x0d && b[start + 1] === LF) start += 2;
    else break;
    blankLines++;
  }
  return { start, blankLines };
}

function stripLineEnd(b: Buffer): Buffer {
  let end = b.length;
  if (end > 0 && b[end - 1] === LF) {
    end--;
    if (end > 0 && b[end - 1] === 0x0d) end--;
  }
  return b.subarray(0, end);
}

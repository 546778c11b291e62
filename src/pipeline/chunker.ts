/**
 * Cuts a byte stream into record-aligned chunks: the header record first (for a format that has
 * one), then chunks of about `chunkSize` bytes that each end on a record boundary, each in an
 * ArrayBuffer of its own so it can be transferred to a worker without a copy. Runs on the main
 * thread: per byte it does one memcpy and the framing's memchr scans, nothing more.
 *
 * A bad record costs only itself. A record that ends, however long, reaches a worker whole (one
 * `record_too_large` reject there when it is over `--max-record-bytes`). A record that does not
 * end before the end of input (an unterminated quote), or within `scanBound` bytes, is rejected
 * here as one item covering the line where it started (`bad_quote` when a quote is open, else
 * `record_too_large`), and reading resumes at the next line with the quote state reset. So what
 * is buffered never exceeds about the scan bound, and chunks hold only framed records.
 */
import type { RecordFraming } from '../formats/framing.js';
import { REJECT_RECORD_MAX_BYTES } from '../protocol/messages.js';
import { CR, LF, countLineFeeds } from '../formats/line-ends.js';
import { RunError } from '../errors/errors.js';

/** How far a record is scanned for its end before it is given up on (README: "A bad record costs only itself"). */
export const SCAN_BOUND = 64 << 20;

export type FramedItem =
  /** The first record, without its line end; `lineFeeds` counts the blank lines before it too. */
  | { readonly kind: 'header'; readonly bytes: Buffer; readonly lineFeeds: number; readonly blankLines: number; readonly lineEnd: number }
  /** Whole records: bytes [0, length) of `buffer`. */
  | { readonly kind: 'records'; readonly buffer: ArrayBuffer; readonly length: number }
  /** A record given up on: the first bytes of its first line, that line's full length, the line ends consumed. */
  | { readonly kind: 'reject'; readonly reason: 'bad_quote' | 'record_too_large'; readonly bytes: Buffer; readonly length: number; readonly lineFeeds: number };

export interface ChunkerOptions {
  readonly framing: RecordFraming;
  /**
   * False for a format without a header: every record is data and the framing's line end is
   * fixed. Default true: the first record is the header, and its line end sets the file's.
   */
  readonly header?: boolean;
  readonly chunkSize: number;
  readonly maxRecordBytes: number;
  /** Default: SCAN_BOUND, or `maxRecordBytes` when that is larger. */
  readonly scanBound?: number;
  /** Where chunk buffers come from (a recycling pool); by default a fresh buffer each. */
  readonly allocate?: (size: number) => ArrayBuffer;
}

const freshBuffer = (size: number): ArrayBuffer => Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

type Reject = Extract<FramedItem, { kind: 'reject' }>;

/**
 * The source may reuse the buffer it yields once the next one is asked for (a file read into
 * one buffer over and over): every byte is copied into the chunk being assembled before then.
 */
export async function* frameRecords(source: AsyncIterable<Buffer>, options: ChunkerOptions): AsyncGenerator<FramedItem> {
  const { framing, chunkSize, maxRecordBytes } = options;
  const scanBound = options.scanBound ?? Math.max(SCAN_BOUND, maxRecordBytes);
  const allocate = options.allocate ?? freshBuffer;
  // The chunk being assembled: bytes [0, filled) of `view`, which covers all of `chunk`.
  let chunk = allocate(chunkSize);
  let view = Buffer.from(chunk);
  let filled = 0;
  // The input's start (a BOM, blank lines and the header, or a BOM alone) is behind.
  let started = false;
  const hasHeader = options.header ?? true;
  // Dropping the rest of a given-up record's first line, which had no line end within the bound.
  let skipping: { reason: Reject['reason']; bytes: Buffer; length: number } | undefined;

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
  const drop = (n: number): void => {
    view.copyWithin(0, n, filled);
    filled -= n;
    framing.reset(0);
  };
  const dropBom = (): void => {
    if (startsWithBom(view, filled)) drop(BOM.length);
  };
  /** The first line of a record that starts at view[0] and does not end where it should. */
  const giveUp = (end: number, lineFeeds: number): Reject => {
    if (lineFeeds > 0 && framing.lineEnd === LF && end > 0 && view[end - 1] === CR) end--;
    const bytes = Buffer.from(view.subarray(0, Math.min(end, REJECT_RECORD_MAX_BYTES)));
    return { kind: 'reject', reason: framing.inQuotes ? 'bad_quote' : 'record_too_large', bytes, length: end, lineFeeds };
  };

  /** Yields the chunks that are ready, and the records given up on. */
  function* cut(atEnd: boolean): Generator<FramedItem> {
    for (;;) {
      framing.advance(view, filled, atEnd);
      const stuck = (atEnd && framing.inQuotes) || framing.unclosed || filled > scanBound;
      if (filled < chunkSize && !stuck) return;
      const at = framing.boundary(view);
      if (at > 0) {
        const done = chunk;
        carryOver(at);
        framing.reset(0);
        yield { kind: 'records', buffer: done, length: at };
        continue;
      }
      if (!stuck) return;
      // One record is everything buffered and does not end: give up on its first line.
      const j = view.indexOf(framing.lineEnd);
      if (j >= 0 && j < filled) {
        yield giveUp(j, 1);
        drop(j + 1);
        continue;
      }
      const reject = giveUp(filled, 0);
      filled = 0;
      framing.reset(0);
      if (atEnd) yield reject;
      else skipping = reject;
      return;
    }
  }

  for await (let data of source) {
    if (skipping) {
      const j = data.indexOf(framing.lineEnd);
      const line = j < 0 ? data : data.subarray(0, j);
      // The text kept is the same whatever was buffered when the record was given up on.
      if (skipping.bytes.length < REJECT_RECORD_MAX_BYTES) skipping.bytes = Buffer.concat([skipping.bytes, line.subarray(0, REJECT_RECORD_MAX_BYTES - skipping.bytes.length)]);
      skipping.length += line.length;
      if (j < 0) continue;
      yield { kind: 'reject', reason: skipping.reason, bytes: skipping.bytes, length: skipping.length, lineFeeds: 1 };
      skipping = undefined;
      data = data.subarray(j + 1);
    }
    if (data.length === 0) continue;
    append(data);

    if (!started && !hasHeader) {
      if (filled < BOM.length) continue;
      dropBom();
      started = true;
    }
    if (!started) {
      const { start, blankLines } = skipBomAndBlankLines(view, filled);
      const end = framing.firstBoundary(view, start, filled, false);
      // Judged on the first maxRecordBytes alone, so the outcome does not depend on read sizes.
      if (end > maxRecordBytes || (end < 0 && filled - start > maxRecordBytes)) {
        throw new RunError('ERR_HEADER_TOO_LARGE', `the header record does not end within --max-record-bytes (${maxRecordBytes} bytes): ${framing.whyUnframed(view, start, start + maxRecordBytes)}`);
      }
      if (end < 0) continue;
      yield header(view, start, end, blankLines, framing.lineEnd);
      started = true;
      drop(start + end);
    }
    yield* cut(false);
  }

  if (skipping) {
    yield { kind: 'reject', reason: skipping.reason, bytes: skipping.bytes, length: skipping.length, lineFeeds: 0 };
    return;
  }
  if (!started && !hasHeader) dropBom();
  else if (!started) {
    const { start, blankLines } = skipBomAndBlankLines(view, filled);
    if (start >= filled) throw new RunError('ERR_NO_HEADER', 'input has no header');
    const end = framing.firstBoundary(view, start, filled, true);
    yield header(view, start, end < 0 ? filled - start : end, blankLines, framing.lineEnd);
    if (end < 0) return;
    drop(start + end);
  }
  yield* cut(true);
  if (filled > 0) yield { kind: 'records', buffer: chunk, length: filled };
}

function header(view: Buffer, start: number, length: number, blankLines: number, lineEnd: number): FramedItem {
  const withEol = Buffer.from(view.subarray(start, start + length));
  return { kind: 'header', bytes: stripLineEnd(withEol, lineEnd), lineFeeds: countLineFeeds(view, 0, start + length, lineEnd), blankLines, lineEnd };
}

const startsWithBom = (b: Buffer, len: number): boolean => len >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2];

/** A UTF-8 BOM is dropped; blank lines (LF, CRLF or CR) before the header are not records. */
function skipBomAndBlankLines(b: Buffer, len: number): { start: number; blankLines: number } {
  let start = startsWithBom(b, len) ? BOM.length : 0;
  let blankLines = 0;
  for (;;) {
    if (start < len && b[start] === LF) start += 1;
    else if (start + 1 < len && b[start] === CR) start += b[start + 1] === LF ? 2 : 1;
    else break;
    blankLines++;
  }
  return { start, blankLines };
}

function stripLineEnd(b: Buffer, lineEnd: number): Buffer {
  let end = b.length;
  if (end > 0 && b[end - 1] === lineEnd) {
    end--;
    if (lineEnd === LF && end > 0 && b[end - 1] === CR) end--;
  }
  return b.subarray(0, end);
}

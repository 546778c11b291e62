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
import { LF } from '../transforms/csv-scan.js';

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

export async function* frameRecords(source: AsyncIterable<Buffer>, options: ChunkerOptions): AsyncGenerator<FramedItem> {
  const { framing, chunkSize, maxRecordBytes } = options;
  const allocate = options.allocate ?? freshBuffer;
  let parts: Buffer[] = [];
  let size = 0;
  let headerDone = false;
  // Skipping the rest of an oversize record that had no line break within the buffered bytes.
  let skipping: { bytes: Buffer; lineFeeds: number } | undefined;

  for await (let data of source) {
    if (skipping) {
      const j = data.indexOf(LF);
      if (j < 0) continue;
      yield { kind: 'oversize', bytes: skipping.bytes, lineFeeds: skipping.lineFeeds + 1 };
      skipping = undefined;
      data = data.subarray(j + 1);
    }
    if (data.length === 0) continue;
    parts.push(data);
    size += data.length;

    if (!headerDone) {
      const joined = concat(parts, size);
      parts = [joined];
      const { start, blankLines } = skipBomAndBlankLines(joined);
      const end = framing.firstBoundary(joined.subarray(start), size - start);
      if (end < 0) {
        if (size - start > maxRecordBytes) throw new HeaderTooLargeError(maxRecordBytes);
        continue;
      }
      const headerWithEol = joined.subarray(start, start + end);
      yield { kind: 'header', bytes: stripLineEnd(headerWithEol), lineFeeds: blankLines + countLineFeeds(headerWithEol), blankLines };
      headerDone = true;
      const rest = joined.subarray(start + end);
      parts = rest.length > 0 ? [rest] : [];
      size = rest.length;
    }

    while (size >= chunkSize) {
      const chunk = allocate(size);
      const view = Buffer.from(chunk, 0, size);
      copyParts(parts, view);
      const cut = framing.lastBoundary(view, size);
      if (cut > 0) {
        const rest = cut < size ? Buffer.from(view.subarray(cut)) : undefined;
        yield { kind: 'records', buffer: chunk, length: cut };
        parts = rest ? [rest] : [];
        size = rest ? rest.length : 0;
        if (size < chunkSize) break;
        continue;
      }
      if (size <= maxRecordBytes) {
        parts = [view];
        break;
      }
      // One record spans everything buffered and is over the limit.
      const j = view.indexOf(LF, maxRecordBytes);
      if (j < 0) {
        skipping = { bytes: Buffer.from(view.subarray(0, maxRecordBytes)), lineFeeds: countLineFeeds(view) };
        parts = [];
        size = 0;
        break;
      }
      yield { kind: 'oversize', bytes: Buffer.from(view.subarray(0, j)), lineFeeds: countLineFeeds(view.subarray(0, j + 1)) };
      const rest = Buffer.from(view.subarray(j + 1));
      parts = rest.length > 0 ? [rest] : [];
      size = rest.length;
    }
  }

  if (skipping) {
    yield { kind: 'oversize', bytes: skipping.bytes, lineFeeds: skipping.lineFeeds };
    return;
  }
  if (!headerDone) {
    if (size === 0) throw new NoHeaderError();
    const joined = concat(parts, size);
    const { start, blankLines } = skipBomAndBlankLines(joined);
    if (start >= size) throw new NoHeaderError();
    const headerBytes = joined.subarray(start);
    yield { kind: 'header', bytes: stripLineEnd(headerBytes), lineFeeds: blankLines + countLineFeeds(headerBytes), blankLines };
    return;
  }
  if (size > 0) {
    const chunk = allocate(size);
    copyParts(parts, Buffer.from(chunk, 0, size));
    yield { kind: 'records', buffer: chunk, length: size };
  }
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
function skipBomAndBlankLines(b: Buffer): { start: number; blankLines: number } {
  let start = b.length >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2] ? 3 : 0;
  let blankLines = 0;
  for (;;) {
    if (b[start] === LF) start += 1;
    else if (b[start] === 0x0d && b[start + 1] === LF) start += 2;
    else break;
    blankLines++;
  }
  return { start, blankLines };
}

function concat(parts: Buffer[], size: number): Buffer {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}

function copyParts(parts: Buffer[], dst: Buffer): void {
  let o = 0;
  for (const p of parts) {
    dst.set(p, o);
    o += p.length;
  }
}

export function countLineFeeds(buf: Buffer): number {
  let n = 0;
  let i = buf.indexOf(LF);
  while (i !== -1) {
    n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

function stripLineEnd(b: Buffer): Buffer {
  let end = b.length;
  if (end > 0 && b[end - 1] === LF) {
    end--;
    if (end > 0 && b[end - 1] === 0x0d) end--;
  }
  return b.subarray(0, end);
}

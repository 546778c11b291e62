/**
 * Record framing: how a format finds record boundaries in raw bytes, so that the input can be
 * cut into record-aligned chunks on the main thread with as little work as possible. A format
 * (CSV here; AAM's TAB/LF files later) brings its own framing.
 *
 * The framing keeps its state between calls, so bytes appended to a buffer are scanned once:
 * `advance` scans what was appended since the last call, `reset` starts over at a record boundary
 * (after the caller moved or dropped bytes).
 */
export interface RecordFraming {
  /** The byte that ends records, learnt from the first record by `firstBoundary`. */
  readonly lineEnd: number;
  /** True when the bytes scanned so far end inside a quoted field. */
  readonly inQuotes: boolean;
  /** True when the open quoted field will not be taken as closed: its record is given up on. */
  readonly unclosed: boolean;
  /**
   * `buf[start, len)` starts with the first record: returns the position after its line end and
   * sets `lineEnd` from it, or returns -1 when more bytes are needed (`end`: none will come).
   */
  firstBoundary(buf: Buffer, start: number, len: number, end: boolean): number;
  /** Why no record end was found in `buf[start, len)`, for an error message. */
  whyUnframed(buf: Buffer, start: number, len: number): string;
  /** Forgets the state: `buf[from, ...)` starts at a record boundary. */
  reset(from: number): void;
  /** Scans `buf` on to `len`; `end` when no byte will follow. */
  advance(buf: Buffer, len: number, end: boolean): void;
  /** After `advance`: the position just after the last complete record's line end, or -1. */
  boundary(buf: Buffer): number;
}

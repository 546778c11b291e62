/**
 * Record framing: how a format finds record boundaries in raw bytes, so that the input can be
 * cut into record-aligned chunks on the main thread with as little work as possible. A format
 * (CSV here; AAM's TAB/LF files later) brings its own framing.
 */
export interface RecordFraming {
  /**
   * `buf[0, len)` starts at a record boundary. Returns the position just after the last complete
   * record's line end, or -1 when no record ends inside the buffer.
   */
  lastBoundary(buf: Buffer, len: number): number;
  /** Like `lastBoundary` for the first record: the position after its line end, or -1. */
  firstBoundary(buf: Buffer, len: number): number;
}

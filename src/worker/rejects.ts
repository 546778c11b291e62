/** A chunk's rejected records, packed for the trip to the main thread. */
import { REJECT_RECORD_MAX_BYTES, type ChunkResult } from '../protocol/messages.js';
import type { IntColumns } from '../transforms/byte-buffers.js';

/**
 * `rejects` holds per reject: line offset, reason, column, start, end. A reject's text is cut at
 * REJECT_RECORD_MAX_BYTES here already: a huge record is not copied whole.
 */
export function packRejects(buf: Buffer, rejects: IntColumns): ChunkResult['rejects'] {
  const count = rejects.count;
  const [lines, reasons, columns, starts, ends] = rejects.cols;
  let rawBytes = 0;
  for (let i = 0; i < count; i++) rawBytes += Math.min(ends[i] - starts[i], REJECT_RECORD_MAX_BYTES);
  const raw = Buffer.allocUnsafeSlow(rawBytes);
  const rawOffsets = new Int32Array(count + 1);
  const recordLengths = new Int32Array(count);
  let o = 0;
  for (let i = 0; i < count; i++) {
    rawOffsets[i] = o;
    recordLengths[i] = ends[i] - starts[i];
    o += buf.copy(raw, o, starts[i], starts[i] + Math.min(ends[i] - starts[i], REJECT_RECORD_MAX_BYTES));
  }
  rawOffsets[count] = o;
  return {
    count,
    lineOffsets: lines.slice(0, count),
    reasons: Uint8Array.from(reasons.subarray(0, count)),
    columns: columns.slice(0, count),
    rawOffsets,
    raw: raw.buffer as ArrayBuffer,
    recordLengths,
  };
}

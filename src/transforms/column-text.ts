/** The slow path every op shares: a field read as text (not ASCII, quoted, escaped), with its two outcomes that end the op's work. */
import { KIND_EMPTY } from '../protocol/codes.js';
import { FIELD_NOT_ASCII } from '../formats/worker-format.js';
import type { ChunkColumn } from './op.js';

/**
 * Record r's value as trimmed text; undefined when there is nothing for the op to do: the field
 * cannot be read (the record is rejected for it) or the value is empty (counted so). `status` is
 * what `asciiRange` said of the field, when the op asked it first.
 */
export function columnText(col: ChunkColumn, r: number, status = FIELD_NOT_ASCII): string | undefined {
  const text = status === FIELD_NOT_ASCII ? col.fields.decodeText(col.src, col.starts[r], col.ends[r]) : status;
  if (typeof text === 'number') {
    col.fail(r, text);
    return undefined;
  }
  if (text.length === 0) {
    col.kinds[r] = KIND_EMPTY;
    return undefined;
  }
  return text;
}

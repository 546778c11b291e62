/**
 * The reject file: RFC 4180 CSV with the header `line,column,reason,record`, in input order.
 * Written like the output (src/outputs/csv-file-part.ts): a regular file under a temporary
 * name renamed at the end, a FIFO or device directly.
 */
import { CsvFilePart } from '../outputs/csv-file-part.js';
import type { OutputPart } from '../outputs/output-set.js';
import { csvField, needsQuotes } from '../formats/csv/text-field.js';
import { REJECT_RECORD_MAX_BYTES } from '../protocol/messages.js';
import type { RunErrorCode } from '../errors/errors.js';

/** At most REJECT_RECORD_MAX_BYTES, not ending inside a UTF-8 sequence. */
function keptBytes(record: Buffer): number {
  if (record.length <= REJECT_RECORD_MAX_BYTES) return record.length;
  const n = REJECT_RECORD_MAX_BYTES;
  // Back off over continuation bytes to the lead byte, which goes too when its sequence is cut.
  let back = 0;
  while (back < 3 && n - back > 0 && (record[n - back] & 0xc0) === 0x80) back++;
  return back > 0 && (record[n - back] & 0xc0) === 0xc0 ? n - back : n;
}

/**
 * Where the run's stages write rejected records: the reject file, or a caller's own (export-audience
 * writes the profiles without a usable key to --unusable and the rest to --rejects).
 */
export interface RejectSink extends OutputPart {
  open(): Promise<void>;
  /** As RejectsWriter.add: true when the record's text was cut. */
  add(line: number, column: string, reason: string, record: Buffer, length?: number): Promise<boolean>;
}

/** The reject file (or --duplicates, same columns): one part of the run's output set. */
export class RejectsWriter extends CsvFilePart implements RejectSink {
  /** `option` and `code` name the file in errors: the reject file, or --duplicates (same columns). */
  constructor(path: string, option = 'rejects', code: RunErrorCode = 'ERR_REJECTS') {
    super(path, option, 'line,column,reason,record', code);
  }

  /**
   * `record` is the original bytes (of a record `length` bytes long); written as UTF-8 text where
   * valid, else byte for byte, cut to REJECT_RECORD_MAX_BYTES at a character boundary. Returns
   * true when the text was cut.
   */
  async add(line: number, column: string, reason: string, record: Buffer, length = record.length): Promise<boolean> {
    const kept = keptBytes(record);
    const recordText = record.toString('latin1', 0, kept);
    const needsQuote = needsQuotes(recordText);
    const head = `${line},${csvField(column)},${reason},`;
    if (!needsQuote) {
      await this.write(head);
      await this.write(record.subarray(0, kept));
    } else {
      await this.write(`${head}"`);
      await this.write(Buffer.from(recordText.replaceAll('"', '""'), 'latin1'));
      await this.write('"');
    }
    await this.write('\n');
    return kept < length;
  }
}

/**
 * Frames the records of a profile table, from whichever source (source.ts), with the project's
 * own CSV scanner (src/formats/csv/scan.ts): the rules every input of `process` is read by, on
 * bytes, with no object per record; csv-parse would make one array of strings per profile,
 * which the index build of 10M profiles cannot afford. A record that is not one (wrong field
 * count, misplaced or unclosed quote, oversized) is reported with its line and is no profile.
 */
import { RunError } from '../../errors/errors.js';
import { parseHeader } from '../../formats/csv/header.js';
import { RecordScanner, type Dialect } from '../../formats/csv/scan.js';
import { CR, LF } from '../../formats/line-ends.js';
import type { ProfileSource } from './source.js';

/** PostgreSQL's COPY CSV and the usual exports: RFC 4180. */
export const PROFILE_DIALECT: Dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };

/** Why a line of the table is no profile. */
export type TableFlaw = 'field_count' | 'bad_quote' | 'record_too_large';

export interface TableConsumer {
  /** The header's column names, before any record. */
  header(names: readonly string[]): void;
  /** One profile: field i is buf[scanner.starts[i], scanner.ends[i]), raw (quoted as in the file). */
  record(buf: Buffer, scanner: RecordScanner, line: number): void;
  /** A line that is no profile. */
  flawed(flaw: TableFlaw, line: number): void;
}

export interface TableReadStats {
  /** Lines read, the header's included. */
  readonly lines: number;
  /** Lines holding nothing, skipped. */
  readonly blankLines: number;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

export async function readProfileTable(
  source: ProfileSource,
  consumer: TableConsumer,
  opts: { maxRecordBytes?: number; signal?: AbortSignal } = {},
): Promise<TableReadStats> {
  const maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
  const fail = (message: string, cause?: unknown): never => {
    throw new RunError('ERR_PROFILES', `${source.description}: ${message}`, cause);
  };
  let scanner: RecordScanner | undefined;
  let fieldCount = 0;
  let line = 1;
  let blankLines = 0;
  let carry: Buffer | undefined;

  /** Handles the records of buf[0, len) that end in it; returns where the unfinished one starts. */
  const records = (buf: Buffer, final: boolean): number => {
    let pos = 0;
    const len = buf.length;
    if (scanner === undefined) {
      let start = 0;
      if (len >= 3 && buf[0] === UTF8_BOM[0] && buf[1] === UTF8_BOM[1] && buf[2] === UTF8_BOM[2]) start = 3;
      let end = buf.indexOf(LF, start);
      if (end === -1) {
        if (!final) return 0;
        end = len;
      }
      const next = end + 1;
      if (end > start && buf[end - 1] === CR) end--;
      if (end === start) fail('line 1: no header (the table is empty, or starts with a blank line)');
      let names: string[] = [];
      try {
        names = parseHeader(buf.subarray(start, end), PROFILE_DIALECT);
      } catch (err) {
        fail((err as Error).message, err);
      }
      consumer.header(names);
      fieldCount = names.length;
      scanner = new RecordScanner(PROFILE_DIALECT, fieldCount + 1);
      line = 2;
      pos = Math.min(next, len);
    }
    const s = scanner;
    while (pos < len) {
      const c = buf[pos];
      if (c === LF || (c === CR && pos + 1 < len && buf[pos + 1] === LF)) {
        blankLines++;
        line++;
        pos += c === LF ? 1 : 2;
        continue;
      }
      const next = s.scan(buf, pos, len);
      const terminated = next > s.recordEnd;
      if (!terminated && !final) return pos;
      if (s.openQuote) consumer.flawed('bad_quote', line);
      else if (s.recordEnd - pos > maxRecordBytes) consumer.flawed('record_too_large', line);
      else if (s.badQuoteField >= 0) consumer.flawed('bad_quote', line);
      else if (s.fieldCount !== fieldCount) consumer.flawed('field_count', line);
      else consumer.record(buf, s, line);
      line += terminated ? s.lineFeeds : s.lineFeeds + 1;
      pos = next;
    }
    return len;
  };

  for await (const chunk of source.bytes(opts.signal)) {
    const buf = carry === undefined || carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const used = records(buf, false);
    carry = buf.subarray(used);
    if (carry.length > maxRecordBytes) {
      fail(scanner === undefined ? `line 1: the header does not end within ${maxRecordBytes} bytes` : `line ${line}: a record does not end within ${maxRecordBytes} bytes (an unclosed quote?)`);
    }
  }
  if (carry !== undefined && carry.length > 0) records(carry, true);
  if (scanner === undefined) fail('line 1: no header (the table is empty)');
  return { lines: line - 1, blankLines };
}

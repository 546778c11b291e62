/**
 * AAM's transfer-control `.info` file (DOMAIN.md): one per batch, a JSON-like body whose keys
 * may be unquoted, parsed with json5:
 *
 *   { Files: [ { FileByteSize, FileLineCount, FileName, FileSequenceNumber, md5 }, ... ],
 *     Totals: { FileName, TotalByteSize, TotalNumberFiles, TotalNumberLines } }
 *
 * Byte sizes and MD5 are of the files as stored (gzip or not), line counts of their decoded
 * content, blank lines included; the totals exclude the `.info` itself. Parts are matched by the
 * listed FileName, never by a naming rule. Pure: reading and checking the parts is verify.ts.
 */
import JSON5 from 'json5';
import { RunError } from '../errors/errors.js';

export interface InfoFile {
  readonly name: string;
  readonly bytes: number;
  readonly lines: number;
  /** Lowercase hex. */
  readonly md5: string;
  readonly sequence: number;
}

export interface InfoTotals {
  readonly name: string;
  readonly bytes: number;
  readonly files: number;
  readonly lines: number;
}

export interface BatchInfo {
  readonly files: readonly InfoFile[];
  readonly totals: InfoTotals;
}

/** What the .info writer needs of each file written. */
export interface WrittenFile {
  readonly name: string;
  readonly bytes: number;
  /** Line feeds of the uncompressed content, plus one for a last line without one (see countLines). */
  readonly lines: number;
  /** Hex. */
  readonly md5: string;
}

/** Parses a `.info` body; `shown` names the file in messages. Throws RunError ERR_INFO. */
export function parseInfo(text: string, shown: string): BatchInfo {
  let body: unknown;
  try {
    body = JSON5.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // json5 says where: "JSON5: invalid character 'x' at 3:7".
    throw new RunError('ERR_INFO', `${shown}: not a JSON or JSON5 body: ${(err as Error).message.replace(/^JSON5: /, '')}`, err);
  }
  const root = record(body, shown, 'the body');
  const filesValue = field(root, 'Files', shown, 'the body');
  if (!Array.isArray(filesValue)) throw bad(shown, 'Files is not a list');
  const files = filesValue.map((entry, i): InfoFile => {
    const where = `Files[${i}]`;
    const e = record(entry, shown, where);
    const md5 = text5(field(e, 'md5', shown, where), shown, `${where}.md5`).toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(md5)) throw bad(shown, `${where}.md5 is not 32 hex digits: "${md5}"`);
    const name = text5(field(e, 'FileName', shown, where), shown, `${where}.FileName`);
    if (name === '') throw bad(shown, `${where}.FileName is empty`);
    return {
      name,
      bytes: count(field(e, 'FileByteSize', shown, where), shown, `${where}.FileByteSize`),
      lines: count(field(e, 'FileLineCount', shown, where), shown, `${where}.FileLineCount`),
      md5,
      sequence: count(field(e, 'FileSequenceNumber', shown, where), shown, `${where}.FileSequenceNumber`),
    };
  });
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.name)) throw bad(shown, `${f.name} is listed twice in Files`);
    seen.add(f.name);
  }
  const t = record(field(root, 'Totals', shown, 'the body'), shown, 'Totals');
  const totals: InfoTotals = {
    name: text5(field(t, 'FileName', shown, 'Totals'), shown, 'Totals.FileName'),
    bytes: count(field(t, 'TotalByteSize', shown, 'Totals'), shown, 'Totals.TotalByteSize'),
    files: count(field(t, 'TotalNumberFiles', shown, 'Totals'), shown, 'Totals.TotalNumberFiles'),
    lines: count(field(t, 'TotalNumberLines', shown, 'Totals'), shown, 'Totals.TotalNumberLines'),
  };
  return { files: [...files].sort((a, b) => a.sequence - b.sequence), totals };
}

/**
 * The `.info` body for the files written (in their order, numbered from 1), which `verify`
 * accepts; `batchName` is the Totals' FileName (the batch's root name, as AAM writes it).
 */
export function infoBody(files: readonly WrittenFile[], batchName: string): string {
  const body = {
    Files: files.map((f, i) => ({ FileByteSize: f.bytes, FileLineCount: f.lines, FileName: f.name, FileSequenceNumber: i + 1, md5: f.md5.toLowerCase() })),
    Totals: {
      FileName: batchName,
      TotalByteSize: files.reduce((n, f) => n + f.bytes, 0),
      TotalNumberFiles: files.length,
      TotalNumberLines: files.reduce((n, f) => n + f.lines, 0),
    },
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * The `.info` file's name for a batch: its root, without `.gz` and without its last extension
 * (`ftp_dpm_1234_1700000000.sync.gz` -> `ftp_dpm_1234_1700000000.info`), as AAM names its own.
 */
export function infoNameFor(batchName: string): string {
  const plain = batchName.replace(/\.gz$/i, '');
  const cut = plain.lastIndexOf('.');
  return `${cut > 0 ? plain.slice(0, cut) : plain}.info`;
}

/**
 * Lines as the .info counts them, blank ones included: every line feed, and a last line that has
 * none. CRLF counts once; CR alone ends no line. Feed the content in pieces, then read `lines`.
 */
export class LineCounter {
  private feeds = 0;
  private last = -1;
  add(piece: Uint8Array): void {
    if (piece.length === 0) return;
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    let at = buf.indexOf(10);
    while (at !== -1) {
      this.feeds++;
      at = buf.indexOf(10, at + 1);
    }
    this.last = piece[piece.length - 1];
  }
  get lines(): number {
    return this.feeds + (this.last !== -1 && this.last !== 10 ? 1 : 0);
  }
}

/** One line count of a whole (decoded) content. */
export function countLines(content: Uint8Array): number {
  const c = new LineCounter();
  c.add(content);
  return c.lines;
}

function bad(shown: string, what: string): RunError {
  return new RunError('ERR_INFO', `${shown}: ${what}`);
}

function record(value: unknown, shown: string, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(shown, `${where} is not an object`);
  return value as Record<string, unknown>;
}

/** A key as written, or in another case (`fileName`, `MD5`): vendors' files differ. */
function field(obj: Record<string, unknown>, key: string, shown: string, where: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const other = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  if (other === undefined) throw bad(shown, `${where} has no ${key}`);
  return obj[other];
}

function text5(value: unknown, shown: string, where: string): string {
  if (typeof value !== 'string') throw bad(shown, `${where} is not a string`);
  return value;
}

/** A count: a whole number, or its digits as text. */
function count(value: unknown, shown: string, where: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad(shown, `${where} is not a count: ${JSON.stringify(value)}`);
  return n;
}

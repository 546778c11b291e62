/**
 * Inputs and checks for the fuzz test (test/fuzz.test.ts): a valid audience CSV from a seed, the
 * mutations real exports suffer (stray quotes, delimiters, CR, LF, backslashes, NUL, invalid
 * UTF-8, deleted bytes), and an independent reader of the engine's output that checks what may
 * stand in a hashed or encrypted column.
 */
import { mulberry32 } from '../../src/tools/generate/prng.js';

export type DialectName = 'rfc' | 'backslash';

export const HEADER = ['id', 'email', 'phone', 'crm', 'note'];
export const ENCRYPTED = ['crm'];

const NOTES = ['', 'plain', 'two words', 'a,b', 'line\nbreak', 'say "hi"', '5\'10" tall', '12" pizza', 'back\\slash', ' padded ', 'crlf\r\ninside', 'ü-umlaut'];

function field(text: string, dialect: DialectName, rand: () => number, strayQuotes: boolean): string {
  // A quote inside an unquoted field is a literal character (`12" pizza`), as Python's csv reads it.
  if (strayQuotes && /^[^",\r\n\\][^,\r\n\\]*$/.test(text) && rand() < 0.5) return text;
  const needs = /[",\r\n\\]/.test(text) || rand() < 0.1;
  if (!needs) return text;
  if (dialect === 'rfc') return `"${text.replaceAll('"', '""')}"`;
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export type LineEnd = '\n' | '\r\n' | '\r';

/** A valid CSV of `rows` records: every record reads back as the generator meant it. */
export function validCsv(seed: number, rows: number, dialect: DialectName, lineEnd: LineEnd, strayQuotes = true): Buffer {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines = [HEADER.join(',')];
  for (let i = 0; i < rows; i++) {
    const email = pick([`user${i}@example.com`, ` User${i}@Example.COM `, '', 'not-an-email']);
    const phone = pick([`+1 415 555 ${String(1000 + i).slice(-4)}`, `(415) 555-${String(2000 + i).slice(-4)}`, '', '12']);
    const crm = pick([`CRM-${i}`, '', `id ${i}`]);
    const note = pick(NOTES);
    lines.push([String(i), email, phone, crm, note].map((f) => field(f, dialect, rand, strayQuotes)).join(','));
  }
  return Buffer.from(lines.join(lineEnd) + lineEnd);
}

/**
 * The header line the output must start with, when the mutations left the input's header line
 * and its line end alone (then nothing else can make the header another line); else undefined.
 */
export function untouchedHeader(input: Buffer, lineEnd: LineEnd): Buffer | undefined {
  const head = Buffer.from(HEADER.join(',') + lineEnd);
  if (!input.subarray(0, head.length).equals(head)) return undefined;
  if (lineEnd === '\r' && input[head.length] === 0x0a) return undefined;
  return Buffer.from(HEADER.join(',') + '\n');
}

/** What a mutation inserts; `null` deletes the byte at the position instead. */
export const INSERTS: ReadonlyArray<number[] | null> = [[0x22], [0x2c], [0x0d], [0x0a], [0x0d, 0x0a], [0x5c], [0x00], [0xff], [0xc3], [0xe2, 0x82], [0x22, 0x22], null];

export interface Mutation {
  /** Position as a fraction of the input length, so shrinking keeps it inside. */
  readonly at: number;
  readonly what: number;
}

export function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = input;
  for (const m of mutations) {
    const at = Math.min(b.length, Math.floor(m.at * b.length));
    const ins = INSERTS[m.what % INSERTS.length];
    b = ins === null
      ? Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1))])
      : Buffer.concat([b.subarray(0, at), Buffer.from(ins), b.subarray(at)]);
  }
  return b;
}

/**
 * Reads the engine's output (records end with LF, a CRLF's CR dropped, as the README says) with the dialect's rules
 * written out independently of src/: a quote opens a field only at its start; in the RFC dialect
 * `""` inside quotes is a quote; in the backslash dialect a backslash takes the next byte as it
 * is. Returns the records' fields (latin1 text), or a description of where the output stops
 * being CSV.
 */
export function readOutput(out: Buffer, dialect: DialectName): { records: string[][] } | { error: string } {
  const records: string[][] = [];
  const bs = dialect === 'backslash';
  let i = 0;
  const n = out.length;
  while (i < n) {
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (out[i] === 0x22) {
        i++;
        for (;;) {
          if (i >= n) return { error: `record ${records.length + 1}: quote not closed` };
          const c = out[i];
          if (bs && c === 0x5c && i + 1 < n) {
            value += String.fromCharCode(out[i + 1]);
            i += 2;
          } else if (c === 0x22) {
            if (!bs && out[i + 1] === 0x22) {
              value += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            value += String.fromCharCode(c);
            i++;
          }
        }
        // CRLF after a closing quote is a line end to every reader (the LF-only rule is cosmetic there).
        if (out[i] === 0x0d && out[i + 1] === 0x0a) i++;
        if (i < n && out[i] !== 0x2c && out[i] !== 0x0a) {
          return { error: `record ${records.length + 1}: bytes after a closing quote` };
        }
      } else {
        while (i < n && out[i] !== 0x2c && out[i] !== 0x0a) {
          if (bs && out[i] === 0x5c && i + 1 < n) {
            value += String.fromCharCode(out[i + 1]);
            i += 2;
          } else {
            value += String.fromCharCode(out[i]);
            i++;
          }
        }
      }
      fields.push(value);
      if (i >= n) return { error: `record ${records.length + 1}: no line feed at the end of the output` };
      if (out[i] === 0x0a) {
        i++;
        break;
      }
      i++; // delimiter
    }
    records.push(fields);
  }
  return { records };
}

const HASH = /^[0-9a-f]{64}$/;
const HEX_CIPHER = /^(?:[0-9a-f]{32})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Empty, a hash, or a ciphertext of the stated encoding; otherwise what is wrong with the value. */
export function checkProtected(value: string, kind: 'hash' | 'cipher', encoding: 'hex' | 'base64'): string | undefined {
  if (value === '') return undefined;
  if (kind === 'hash') return HASH.test(value) ? undefined : `not a hash: ${JSON.stringify(value)}`;
  if (encoding === 'hex') return HEX_CIPHER.test(value) ? undefined : `not hex ciphertext: ${JSON.stringify(value)}`;
  const ok = BASE64.test(value) && value.length % 4 === 0 && Buffer.from(value, 'base64').length % 16 === 0;
  return ok ? undefined : `not base64 ciphertext: ${JSON.stringify(value)}`;
}

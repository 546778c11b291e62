/**
 * Parsers of single option values, shared by the schema (src/config/schema.ts) and the
 * functions the library exports. A bad value throws BadValue with a message that shows the value
 * (never a key's), and the caller adds the option's name.
 */
import { HASH_METHODS, ID_TYPES, type HashMethod, type HashSpec, type IdType, type MaxRejects, type SelectedColumn } from './types.js';
import { ConfigError } from '../errors/errors.js';

export class BadValue extends ConfigError {}

const shown = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** `1048576`, `4MiB`, `512KiB`, `1MB`, `64k`. */
export function byteSize(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(String(value));
  if (!m) throw new BadValue(`${shown(value)} is not a size (examples: 65536, 512KiB, 4MiB)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor: Record<string, number> = { b: 1, k: 1024, kb: 1000, kib: 1024, m: 1 << 20, mb: 1e6, mib: 1 << 20, g: 1 << 30, gb: 1e9, gib: 1 << 30 };
  const bytes = Math.floor(Number(m[1]) * factor[unit]);
  if (bytes < 1) throw new BadValue(`must be at least 1 byte, got ${shown(value)}`);
  return bytes;
}

export function wholeNumber(value: unknown, min: number): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isSafeInteger(n) || n < min) throw new BadValue(`${shown(value)} is not a whole number >= ${min}`);
  return n;
}

/** One ASCII character; `\t` and `tab` name the tab. */
export function singleByte(text: string): number {
  const v = text === '\\t' || text === 'tab' ? '\t' : text;
  if (v.length !== 1 || v.charCodeAt(0) > 0x7f) throw new BadValue(`must be one ASCII character, got '${text}'`);
  return v.charCodeAt(0);
}

/** `<column>=<method>`; the column may itself contain `=`. */
export function hashSpec(spec: string): HashSpec {
  const eq = spec.lastIndexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new BadValue(`expected <column>=<method>, got '${spec}'`);
  const column = spec.slice(0, eq);
  const method = spec.slice(eq + 1);
  if (!HASH_METHODS.includes(method as HashMethod)) throw new BadValue(`unknown method '${method}' for column '${column}' (methods: ${HASH_METHODS.join(', ')})`);
  return { column, method: method as HashMethod };
}

/** `none`, a count (`1000`) or a percentage of the records read (`50%`, `0.5%`). */
export function maxRejects(value: unknown): MaxRejects {
  if (value === undefined) return { percent: 50 };
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return { count: value };
  const text = String(value).trim();
  if (text.toLowerCase() === 'none') return undefined;
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (pct && Number(pct[1]) <= 100) return { percent: Number(pct[1]) };
  if (/^\d+$/.test(text)) return { count: Number(text) };
  throw new BadValue(`'${text}' is not a count, a percentage up to 100% or none (examples: 1000, 5%, none)`);
}

export function aesIv(text: string): Buffer {
  if (!/^[0-9a-fA-F]{32}$/.test(text.trim())) throw new BadValue(`the IV must be 16 bytes written as 32 hex digits (got ${text.trim().length} characters)`);
  return Buffer.from(text.trim(), 'hex');
}

/** Hex key of 16, 24 or 32 bytes, or those bytes; the message never shows the key. */
export function aesKey(key: string | Uint8Array): Buffer {
  if (typeof key !== 'string') {
    if (![16, 24, 32].includes(key.length)) throw new BadValue(`the AES key must be 16, 24 or 32 bytes (got ${key.length} bytes)`);
    return Buffer.from(key);
  }
  const hex = key.trim();
  if (!/^[0-9a-fA-F]*$/.test(hex) || ![32, 48, 64].includes(hex.length)) {
    throw new BadValue(`the AES key must be 16, 24 or 32 bytes written as 32, 48 or 64 hex digits (got ${hex.length} characters${/^[0-9a-fA-F]*$/.test(hex) ? '' : ', not all hex'})`);
  }
  return Buffer.from(hex, 'hex');
}

/** `--select`'s items, each `<column>` or `<column>:<new name>`; a list item may hold several, comma-separated. */
export function selectSpec(items: readonly string[]): SelectedColumn[] {
  const out: SelectedColumn[] = [];
  for (const item of items.flatMap((i) => i.split(','))) {
    const spec = item.trim();
    if (spec === '') continue;
    const colon = spec.lastIndexOf(':');
    const column = colon > 0 ? spec.slice(0, colon) : spec;
    // AEP field paths name output columns with underscores for dots, given names too.
    const as = (colon > 0 ? spec.slice(colon + 1) : spec).replaceAll('.', '_');
    if (as === '') throw new BadValue(`'${spec}' has an empty new name after ':'`);
    out.push({ column, as });
  }
  if (out.length === 0) throw new BadValue('names no column');
  return out;
}

/** `<column>=ecid|gaid|idfa|external_id`. */
export function idTypeSpec(spec: string): { column: string; type: IdType } {
  const eq = spec.lastIndexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new BadValue(`expected <column>=<type>, got '${spec}'`);
  const type = spec.slice(eq + 1);
  if (!ID_TYPES.includes(type as IdType)) throw new BadValue(`unknown ID type '${type}' (types: ${ID_TYPES.join(', ')})`);
  return { column: spec.slice(0, eq), type: type as IdType };
}

/** A field separator: one ASCII character (`\t`/`tab` for TAB), or `whitespace` (undefined: runs of spaces and tabs). */
export function fieldSeparator(text: string): number | undefined {
  if (text === 'whitespace') return undefined;
  const byte = singleByte(text);
  // A line end as the separator would make every row one field: each would be rejected field_count.
  if (byte === 0x0a || byte === 0x0d) throw new BadValue('cannot be a line end (LF or CR): rows end there');
  return byte;
}

/**
 * Drawing from the seeded stream: weighted buckets, digit strings, hex digests. Lookup tables
 * instead of String()/padStart()/toString(16) keep the hot path free of per-value formatting.
 */
import type { Prng } from './prng.js';

/** Running sums of the weights, for bucket(). */
export function cumulative(ws: readonly number[]): Float64Array {
  const out = new Float64Array(ws.length);
  let s = 0;
  for (let i = 0; i < ws.length; i++) out[i] = s += ws[i] as number;
  out[ws.length - 1] = Infinity; // guard against rounding: the last bucket takes the rest
  return out;
}

/** Index of the bucket x (in [0, 1)) falls in; a linear scan, the tables have at most 11 entries. */
export function bucket(cum: Float64Array, x: number): number {
  let i = 0;
  while (x >= (cum[i] as number)) i++;
  return i;
}

/** Zero-padded decimal strings: lookups instead of String() + slice() on the hot path. */
function padTable(width: number): readonly string[] {
  const n = 10 ** width;
  return Array.from({ length: n }, (_, i) => String(n + i).slice(1));
}
const DIG1 = padTable(1);
const DIG2 = padTable(2);
export const DIG3 = padTable(3);
export const DIG4 = padTable(4);
const DIG_BY_WIDTH: readonly (readonly string[])[] = [[''], DIG1, DIG2, DIG3, DIG4];

/** n random decimal digits (n >= 1), leading zeros kept. */
export function digits(r: Prng, n: number): string {
  if (n <= 4) return (DIG_BY_WIDTH[n] as readonly string[])[r.int(10 ** n)] as string;
  let s = DIG4[r.int(10000)] as string;
  for (n -= 4; n > 4; n -= 4) s += DIG4[r.int(10000)] as string;
  return s + ((DIG_BY_WIDTH[n] as readonly string[])[r.int(10 ** n)] as string);
}

/** n random digits whose first digit is in [lo, hi]. */
export function digitsFrom(r: Prng, n: number, lo: number, hi: number): string {
  const d = DIG1[lo + r.int(hi - lo + 1)] as string;
  return n > 1 ? d + digits(r, n - 1) : d;
}

/** Every 4-digit hex string, lower and upper case; built on first use (it costs ~10 ms to load). */
let hex4: { readonly lc: readonly string[]; readonly uc: readonly string[] } | undefined;
function hex4Tables(): { readonly lc: readonly string[]; readonly uc: readonly string[] } {
  if (hex4 === undefined) {
    const lc = Array.from({ length: 65536 }, (_, i) => (i + 0x10000).toString(16).slice(1));
    hex4 = { lc, uc: lc.map((h) => h.toUpperCase()) };
  }
  return hex4;
}

/** 64 hex characters: what an already-hashed SHA-256 value looks like. */
export function hex64(r: Prng, upper: boolean): string {
  const tables = hex4Tables();
  const t = upper ? tables.uc : tables.lc;
  let s = '';
  for (let i = 0; i < 8; i++) {
    const x = r.u32();
    s += (t[x >>> 16] as string) + (t[x & 0xffff] as string);
  }
  return s;
}

export function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function pickOf(r: Prng, xs: readonly string[]): string {
  return xs[r.int(xs.length)] as string;
}

/**
 * Seeded CSV as real exports damage it, read the same by Python's csv module and by the issue's
 * rules: quotes inside unquoted fields (`5'10" tall`), quoted fields with delimiters, quotes and
 * line breaks, the backslash dialect's escapes outside quotes (`a\"b`, `a\,b`, an escaped line
 * end), LF / CRLF or CR-only line ends, blank lines, a BOM, a missing final line end. It leaves
 * out only what the rules reject or where the oracles disagree on purpose: a quoted field
 * followed by more than a delimiter, a lone CR outside quotes in an LF file, a trailing escape.
 */
import { rng } from './engine.js';

export type LineEnds = 'lf' | 'cr';

const PLAIN = ['a', 'Zoë', 'x y', '1', '€', 'é', ' ', 'b@c.de'];
const STRAY = [`5'10" tall`, '12" pizza', 'a"b"c', 'x""', 'q"', '\\', 'a\\b'];
const QUOTED = ['a', 'Zoë', ',', '"', '\n', '\r\n', '\r', '\\', ' ', 'é', '""'];

function field(next: () => number, escape: '"' | '\\', lineEnds: LineEnds): string {
  const pick = (xs: readonly string[]): string => xs[Math.floor(next() * xs.length)];
  const r = next();
  if (r < 0.35) {
    let s = '';
    for (let i = Math.floor(next() * 3); i > 0; i--) s += pick(PLAIN);
    return s;
  }
  if (r < 0.6) {
    // A quote inside an unquoted field, never at its start.
    const s = pick(PLAIN).replace(/^ $/, 'p') + pick(STRAY);
    return escape === '\\' ? s.replaceAll('\\', '\\\\') : s;
  }
  if (escape === '\\' && r < 0.75) {
    const escaped = ['\\"', '\\\\', '\\,', ...(lineEnds === 'lf' ? ['\\\n'] : [])];
    return pick(PLAIN).replace(/^ $/, 'p') + pick(escaped) + pick(PLAIN) + (next() < 0.2 ? '\\"start' : '');
  }
  let raw = '';
  for (let i = Math.floor(next() * 6); i > 0; i--) raw += pick(QUOTED);
  return escape === '"' ? `"${raw.replaceAll('"', '""')}"` : `"${raw.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export function strayCsv(seed: number, escape: '"' | '\\', lineEnds: LineEnds, rows = 60): Buffer {
  const next = rng(seed);
  const cols = 2 + Math.floor(next() * 4);
  const eol = (): string => (lineEnds === 'cr' ? '\r' : next() < 0.3 ? '\r\n' : '\n');
  let text = next() < 0.2 ? '\ufeff' : '';
  text += Array.from({ length: cols }, (_, i) => `c${i}`).join(',') + eol();
  const n = Math.floor(rows / 2 + next() * (rows / 2));
  for (let r = 0; r < n; r++) {
    if (next() < 0.05) text += eol();
    text += Array.from({ length: cols }, () => field(next, escape, lineEnds)).join(',');
    if (r < n - 1 || next() < 0.7) text += eol();
  }
  return Buffer.from(text);
}

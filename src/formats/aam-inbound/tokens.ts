/**
 * AAM inbound trait tokens on bytes (DOMAIN.md "AAM inbound files"): `d_sid=<id>` (add),
 * `d_unsid=<id>` (remove), `<id>:0` and `<id>:-1` (remove), a bare `<id>`, and `key=value` with
 * the key and the value each optionally in double quotes; spaces around `=` and around a token
 * (after its comma). A trait ID is digits. Shared by the writer (a traits column may hold tokens
 * already), the reader (which checks a file made elsewhere) and the main side (`--trait`). Pure.
 */

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;
const EQ = 0x3d;
const COLON = 0x3a;
const MINUS = 0x2d;

export const TOKEN_INVALID = 0;
/** `d_sid=<id>` or a bare `<id>`. */
export const TOKEN_ADD = 1;
/** `d_unsid=<id>`, `<id>:0`, `<id>:-1`. */
export const TOKEN_REMOVE = 2;
/** Any other `key=value` (a signal). */
export const TOKEN_SIGNAL = 3;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Whether b[s, e) is a trait ID: one digit or more. */
export function isTraitId(b: Uint8Array, s: number, e: number): boolean {
  if (e <= s) return false;
  for (let i = s; i < e; i++) if (!isDigit(b[i])) return false;
  return true;
}

/**
 * Where the token that starts at `pos` ends: at the next comma outside double quotes, or at
 * `end`; -1 when a quote does not close before `end`.
 */
export function tokenEnd(b: Uint8Array, pos: number, end: number): number {
  let quoted = false;
  for (let i = pos; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === COMMA && !quoted) return i;
  }
  return quoted ? -1 : end;
}

/** The first byte of b[s, e) that is not a space. */
export function trimStart(b: Uint8Array, s: number, e: number): number {
  while (s < e && b[s] === SP) s++;
  return s;
}

/** The end of b[s, e) without its trailing spaces. */
export function trimEnd(b: Uint8Array, s: number, e: number): number {
  while (e > s && b[e - 1] === SP) e--;
  return e;
}

/** A key or value part, b[s, e) trimmed already: quoted (no quote, TAB, CR, LF inside) or bare (none of those, nor `,`, `=`). */
function validPart(b: Uint8Array, s: number, e: number, isKey: boolean): boolean {
  if (e <= s) return false;
  if (b[s] === QUOTE) {
    if (e - s < 2 || b[e - 1] !== QUOTE) return false;
    // An empty quoted part says nothing: refused as a bare empty one is.
    if (e - s === 2) return false;
    for (let i = s + 1; i < e - 1; i++) {
      const c = b[i];
      if (c === QUOTE || c === TAB || c === CR || c === LF) return false;
    }
    return true;
  }
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === QUOTE || c === TAB || c === CR || c === LF || c === COMMA || c === EQ) return false;
    if (isKey && c === SP) return false;
  }
  return true;
}

/** Whether b[s, e) is exactly the ASCII text `word`. */
function is(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[s + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** The shape of one token b[s, e) (spaces around it allowed): TOKEN_ADD, TOKEN_REMOVE, TOKEN_SIGNAL or TOKEN_INVALID. */
export function tokenShape(b: Uint8Array, s: number, e: number): number {
  s = trimStart(b, s, e);
  e = trimEnd(b, s, e);
  if (e <= s) return TOKEN_INVALID;
  if (isTraitId(b, s, e)) return TOKEN_ADD;
  // `<id>:0` and `<id>:-1`
  let colon = -1;
  for (let i = s; i < e; i++) {
    if (b[i] === COLON) {
      colon = i;
      break;
    }
  }
  if (colon > s && isTraitId(b, s, colon)) {
    const rest = e - colon - 1;
    if (rest === 1 && b[colon + 1] === 0x30) return TOKEN_REMOVE;
    if (rest === 2 && b[colon + 1] === MINUS && b[colon + 2] === 0x31) return TOKEN_REMOVE;
    return TOKEN_INVALID;
  }
  // key=value: the first `=` outside quotes.
  let quoted = false;
  let eq = -1;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === EQ && !quoted) {
      eq = i;
      break;
    }
  }
  if (eq < 0) return TOKEN_INVALID;
  const ke = trimEnd(b, s, eq);
  const vs = trimStart(b, eq + 1, e);
  if (!validPart(b, s, ke, true) || !validPart(b, vs, e, false)) return TOKEN_INVALID;
  if (is(b, s, ke, 'd_sid')) return isTraitId(b, vs, e) ? TOKEN_ADD : TOKEN_INVALID;
  if (is(b, s, ke, 'd_unsid')) return isTraitId(b, vs, e) ? TOKEN_REMOVE : TOKEN_INVALID;
  return TOKEN_SIGNAL;
}

/** A `--trait` constant's shape, for the main side's check: a text token. */
export function textTokenShape(text: string): number {
  const b = Buffer.from(text, 'utf8');
  if (tokenEnd(b, 0, b.length) !== b.length) return TOKEN_INVALID;
  return tokenShape(b, 0, b.length);
}

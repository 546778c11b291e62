/**
 * The few CSV facts export-audience reads on the main thread, in the profile table's dialect
 * (`,` delimiter, `"` quote, RFC 4180 doubling: what src/reconcile/profiles/source.ts promises):
 * where a record ends, and one field of a record. The workers read the records themselves; this
 * only finds a profile's ID, to select the profile (--select-ids) or to name it in --unusable.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Field `index` of the record rec[start, end) (no line end, or one that is cut off here), unquoted;
 * undefined when the record has fewer fields or a quoted field is not well-formed (text after
 * its closing quote, a quote that does not close).
 */
export function fieldAt(rec: Uint8Array, start: number, end: number, index: number): string | undefined {
  let e = end;
  if (e > start && rec[e - 1] === LF) e--;
  if (e > start && rec[e - 1] === CR) e--;
  let i = start;
  for (let f = 0; ; f++) {
    const quoted = i < e && rec[i] === QUOTE;
    let valueStart = i;
    let valueEnd: number;
    let doubled = false;
    if (quoted) {
      valueStart = ++i;
      for (;;) {
        if (i >= e) return undefined;
        if (rec[i] === QUOTE) {
          if (i + 1 < e && rec[i + 1] === QUOTE) {
            doubled = true;
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      valueEnd = i++;
      if (i < e && rec[i] !== COMMA) return undefined;
    } else {
      // A quote inside an unquoted field is one of its characters, as the engine's reader takes it.
      while (i < e && rec[i] !== COMMA) i++;
      valueEnd = i;
    }
    if (f === index) {
      const text = Buffer.from(rec.buffer, rec.byteOffset + valueStart, valueEnd - valueStart).toString('utf8');
      return doubled ? text.replaceAll('""', '"') : text;
    }
    if (i >= e) return undefined;
    i++; // the comma
  }
}

/** Every field of a header line (a UTF-8 BOM dropped), or undefined when it is not well-formed. */
export function headerFields(line: Uint8Array): string[] | undefined {
  let s = 0;
  if (line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) s = 3;
  const fields: string[] = [];
  for (let f = 0; ; f++) {
    const v = fieldAt(line, s, line.length, f);
    if (v === undefined) break;
    fields.push(v);
  }
  return fields.length === 0 ? undefined : fields;
}

/**
 * Splits a CSV byte stream into records: each yielded range ends after a line end outside quotes
 * (or at the stream's end). The line end is learnt from the first one, as the engine learns it
 * from the header: LF (CRLF included), or CR alone for a CR-only file. A quote opens a quoted
 * field only at the field's start (elsewhere it is a character of the field, which the engine then
 * judges); a quote that never closes costs its line, as in the engine's framing: the rest of the
 * stream is read as records again from the next line.
 */
export async function* csvRecords(bytes: AsyncIterable<Buffer>): AsyncGenerator<{ buf: Buffer; start: number; end: number; header: boolean; eol: number }> {
  let carry: Buffer | undefined;
  let header = true;
  let eol = -1;
  for await (const chunk of bytes) {
    const buf: Buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    carry = undefined;
    if (eol < 0) {
      eol = lineEndOf(buf);
      if (eol < 0) {
        carry = Buffer.from(buf);
        continue;
      }
    }
    let start = 0;
    for (;;) {
      const end = recordEnd(buf, start, eol, false);
      if (end < 0) break;
      yield { buf, start, end, header, eol };
      header = false;
      start = end;
    }
    // The unfinished record is scanned again with the next chunk.
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
  }
  if (carry === undefined) return;
  let start = 0;
  while (start < carry.length) {
    let end = recordEnd(carry, start, eol, true);
    if (end < 0) {
      // No line end before the stream's end, or a quote that never closes: that record is its line.
      const line = eol < 0 ? -1 : carry.indexOf(eol, start);
      end = line < 0 ? carry.length : line + 1;
    }
    yield { buf: carry, start, end, header, eol };
    header = false;
    start = end;
  }
}

/**
 * The end (after its line end) of the record that starts at b[s], or -1 when `b` ends first (with
 * `final`, a quote at the very end closes its field; without, the next bytes could double it).
 */
function recordEnd(b: Buffer, s: number, eol: number, final: boolean): number {
  let fieldStart = true;
  let inQuotes = false;
  const n = b.length;
  for (let i = s; i < n; i++) {
    const c = b[i];
    if (inQuotes) {
      if (c !== QUOTE) continue;
      if (i + 1 < n && b[i + 1] === QUOTE) {
        i++;
        continue;
      }
      if (i + 1 >= n && !final) return -1;
      inQuotes = false;
      continue;
    }
    if (c === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      continue;
    }
    if (c === eol) return i + 1;
    fieldStart = c === COMMA;
  }
  return -1;
}

/** LF or CR: the first line end outside quotes (a CR followed by LF is CRLF); -1 while the bytes cannot tell. */
function lineEndOf(b: Buffer): number {
  let inQuotes = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && c === LF) return LF;
    else if (!inQuotes && c === CR) return i + 1 < b.length ? (b[i + 1] === LF ? LF : CR) : -1;
  }
  return -1;
}

/** The end (after its line end: LF, CRLF or a lone CR) of the first record, or -1 when the bytes hold none yet. */
export function firstRecordEnd(b: Buffer): number {
  let inQuotes = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && c === LF) return i + 1;
    else if (!inQuotes && c === CR && i + 1 < b.length && b[i + 1] !== LF) return i + 1;
  }
  return -1;
}

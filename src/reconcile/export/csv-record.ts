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
 * undefined when the record has fewer fields or the field is not well-formed CSV (a quote inside
 * an unquoted field, text after a closing quote, a quote that does not close).
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
      while (i < e && rec[i] !== COMMA) {
        if (rec[i] === QUOTE) return undefined;
        i++;
      }
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
 * Splits a CSV byte stream into records: each yielded range ends after an LF outside quotes (or at
 * the stream's end). A record whose quotes do not close swallows the rest of the stream, as it
 * would anyway: it is passed on whole and the engine decides.
 */
export async function* csvRecords(bytes: AsyncIterable<Buffer>): AsyncGenerator<{ buf: Buffer; start: number; end: number; header: boolean }> {
  let carry: Buffer | undefined;
  let inQuotes = false;
  let header = true;
  for await (const chunk of bytes) {
    const buf: Buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    // Where the scan resumes: the carried bytes were scanned already.
    let i = carry === undefined ? 0 : carry.length;
    let start = 0;
    carry = undefined;
    const n = buf.length;
    while (i < n) {
      if (inQuotes) {
        const q = buf.indexOf(QUOTE, i);
        if (q < 0) {
          i = n;
          break;
        }
        inQuotes = false;
        i = q + 1;
        continue;
      }
      const q = buf.indexOf(QUOTE, i);
      const l = buf.indexOf(LF, i);
      if (l >= 0 && (q < 0 || l < q)) {
        yield { buf, start, end: l + 1, header };
        header = false;
        start = l + 1;
        i = l + 1;
        continue;
      }
      if (q < 0) {
        i = n;
        break;
      }
      inQuotes = true;
      i = q + 1;
    }
    if (start < n) carry = Buffer.from(buf.subarray(start));
  }
  if (carry !== undefined && carry.length > 0) yield { buf: carry, start: 0, end: carry.length, header };
}

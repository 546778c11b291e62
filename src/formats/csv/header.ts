/** Reads the header record's column names (UTF-8, unquoted per the dialect). */
import { RunError } from '../../errors/errors.js';
import { CR, LF } from '../line-ends.js';
import { RecordScanner, type Dialect } from './scan.js';
import { decodeField } from './field-codec.js';

export function parseHeader(bytes: Buffer, dialect: Dialect): string[] {
  // A quoted or escaped line break in the header most likely swallowed records into it, and the
  // header is written out as it came: their identities would be copied in clear.
  const lf = bytes.indexOf(LF);
  const cr = bytes.indexOf(CR);
  const brk = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
  if (brk >= 0) throw new RunError('ERR_BAD_HEADER', `line 1: the header runs past a line end (byte ${brk + 1}, quoted or escaped): a damaged first line, an unclosed quote or a trailing escape byte?`);
  // Capacity for any header: a field needs at least its delimiter.
  const scanner = new RecordScanner(dialect, bytes.length + 1);
  scanner.scan(bytes, 0, bytes.length);
  if (scanner.openQuote) throw new RunError('ERR_BAD_HEADER', 'line 1: a quote in the header does not close');
  if (scanner.badQuoteField >= 0) throw new RunError('ERR_BAD_HEADER', `line 1, column ${scanner.badQuoteField + 1}: a quoted name is followed by more than a delimiter`);
  const names: string[] = [];
  const scratch = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < scanner.fieldCount; i++) {
    const n = decodeField(bytes, scanner.starts[i], scanner.ends[i], dialect, scratch);
    if (n < 0) throw new RunError('ERR_BAD_HEADER', `line 1, column ${i + 1}: malformed quoting in the header`);
    names.push(scratch.toString('utf8', 0, n));
  }
  return names;
}

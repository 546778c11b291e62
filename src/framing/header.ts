/** Reads the header record's column names (UTF-8, unquoted per the dialect). */
import { RunError } from '../errors.js';
import { RecordScanner, decodeField, type Dialect } from '../transforms/csv-scan.js';

export function parseHeader(bytes: Buffer, dialect: Dialect): string[] {
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

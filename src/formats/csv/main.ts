/**
 * CSV on the main thread: a header record, the dialect of `--delimiter` and `--escape` (the
 * quote is always `"`), framed by CsvFraming. The header is written out as it came.
 */
import type { FormatRun, RecordFormat } from '../format.js';
import { CsvFraming } from './framing.js';
import { parseHeader } from './header.js';
import { LF } from '../line-ends.js';
import type { Dialect } from './scan.js';

const QUOTE = 0x22;
const NEWLINE = Buffer.from([LF]);

export const csvFormat: RecordFormat = {
  name: 'csv',
  forRun: (config) => csvDialectRun('csv', { delimiter: config.delimiter, quote: QUOTE, escape: config.escape }),
};

/** A CSV dialect as a format of its own name (aep-csv is CSV with AEP's fixed dialect). */
export function csvDialectRun(name: string, dialect: Dialect): FormatRun {
  return {
    settings: { name, delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape },
    header: {
      kind: 'record',
      parse: (bytes, lineEnd) => parseHeader(bytes, { ...dialect, lineEnd }),
      write: (bytes) => Buffer.concat([bytes, NEWLINE]),
    },
    framing: () => new CsvFraming(dialect),
  };
}

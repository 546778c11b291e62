/**
 * AEP batch exports on the main thread (`--from aep-csv`): CSV with a header, `,`, `"` quotes
 * and the backslash as escape (`\"` and `\\` inside quotes), LF or CRLF, an optional UTF-8 BOM
 * (the chunker drops it before the header, so no column name keeps it). CSV's framing and header
 * reader with that fixed dialect: --delimiter and --escape do not apply.
 */
import type { RecordFormat } from '../format.js';
import { csvDialectRun } from '../csv/main.js';
import { AEP_DIALECT } from './writer.js';

export const aepCsvFormat: RecordFormat = {
  name: 'aep-csv',
  forRun: () => csvDialectRun('aep-csv', { delimiter: AEP_DIALECT.delimiter, quote: AEP_DIALECT.quote, escape: AEP_DIALECT.escape }),
};

/**
 * The AEP CSV writer (`--to aep-csv`): `,` delimited, `"` quoted only where a value needs it (a
 * delimiter, quote, backslash, CR or LF inside), `\"` and `\\` inside quotes, an empty value as
 * `""`, LF line ends (DOMAIN.md: AEP batch exports). The CSV row writer with AEP's dialect.
 */
import type { OutputPlan } from '../../protocol/messages.js';
import { CsvRowWriter } from '../csv/writer-rows.js';
import { LF } from '../line-ends.js';
import type { Dialect } from '../csv/scan.js';

export const AEP_DIALECT: Dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x5c, lineEnd: LF };

export const aepCsvRowWriter = (plan: OutputPlan): CsvRowWriter => new CsvRowWriter(AEP_DIALECT, plan, { emptyQuoted: true });

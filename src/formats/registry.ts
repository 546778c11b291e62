/**
 * The formats the main thread knows, one line each: a new format is a folder with its main-side
 * module (see ./format.ts) and its worker-side module, and a line here and in the workers' table.
 */
import type { RecordFormat } from './format.js';
import { csvFormat } from './csv/main.js';
import { aamOutboundFormat } from './aam-outbound/main.js';
import { aepCsvFormat } from './aep-csv/main.js';
import { aamInboundFormat } from './aam-inbound/main.js';

const FORMATS = {
  csv: csvFormat,
  'aep-csv': aepCsvFormat,
  'aam-outbound': aamOutboundFormat,
  'aam-inbound': aamInboundFormat,
} as const satisfies Record<string, RecordFormat>;

/** Format names: the configuration's `--from` and `--to` (issue 11) take one of these. */
export type FormatName = keyof typeof FORMATS;

export function formatNamed(name: FormatName): RecordFormat {
  return FORMATS[name];
}

/** Every format name, for the configuration's checks. */
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

/**
 * The converting writers by output format name (OutputPlan.format.name): the output side of a
 * format, apart from its reading side (./worker-registry.ts), since any input can be written in
 * any of these. Worker-side only.
 */
import type { OutputPlan } from '../protocol/messages.js';
import type { FormatName } from './registry.js';
import type { RowWriter } from './row-writer.js';
import { csvRowWriter } from './csv/writer-rows.js';
import { aepCsvRowWriter } from './aep-csv/writer.js';
import { aamInboundRowWriter } from './aam-inbound/writer.js';

export const OUTPUT_WRITERS: Readonly<Partial<Record<FormatName, (plan: OutputPlan) => RowWriter>>> = {
  csv: csvRowWriter,
  'aep-csv': aepCsvRowWriter,
  'aam-inbound': aamInboundRowWriter,
};

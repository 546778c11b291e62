/**
 * Every format's worker side by its name (FormatInit.name): adding a format is its folder and one
 * line here (and one in ./registry.ts for its main side). Worker-side only: no main-thread import;
 * the type-only import of the main table's names is erased at build time and makes a format
 * registered on one side but not the other a compile error.
 */
import type { FormatName } from './registry.js';
import type { WorkerFormat } from './worker-format.js';
import { csvWorker } from './csv/worker.js';
import { aamOutboundWorker } from './aam-outbound/worker.js';
import { aepCsvWorker } from './aep-csv/worker.js';
import { aamInboundWorker } from './aam-inbound/worker.js';

export const WORKER_FORMATS: Readonly<Record<FormatName, WorkerFormat>> = {
  csv: csvWorker,
  'aep-csv': aepCsvWorker,
  'aam-outbound': aamOutboundWorker,
  'aam-inbound': aamInboundWorker,
};

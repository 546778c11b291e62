/**
 * The worker side of aep-csv: CSV's reader, field reader and replacing writer, which read the dialect's
 * bytes from FormatInit (the main side sends AEP's: `,`, `"`, `\`).
 */
import type { WorkerFormat } from '../worker-format.js';
import { csvWorker } from '../csv/worker.js';
import { aepCsvRowWriter } from './writer.js';

export const aepCsvWorker: WorkerFormat = { ...csvWorker, rows: aepCsvRowWriter };

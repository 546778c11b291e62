/**
 * Every format's worker side by its name (FormatInit.name): adding a format is its folder and one
 * line here (and one in ./registry.ts for its main side). Worker-side only: no main-thread import.
 */
import type { WorkerFormat } from './worker-format.js';
import { csvWorker } from './csv/worker.js';

export const WORKER_FORMATS: Readonly<Record<string, WorkerFormat>> = {
  csv: csvWorker,
};

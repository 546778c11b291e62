/** Worker-side stand-in of ./placeholder.ts: never reached, as the main side refuses the run first. */
import { RunError } from '../errors/errors.js';
import type { WorkerFormat } from './worker-format.js';

const refuse = (): never => {
  throw new RunError('ERR_INTERNAL', 'a format that is not built yet reached a worker');
};
export const notBuiltWorker: WorkerFormat = { reader: refuse, fields: refuse, writer: refuse };

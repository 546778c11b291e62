/** Stand-in for the `--id-type` ops while they are written (issue 11): a run that names one fails in the worker. */
import { RunError } from '../errors/errors.js';
import type { OpDefinition } from './op.js';

export const idTypeNotBuilt: OpDefinition = {
  length: 'after',
  create() {
    throw new RunError('ERR_INTERNAL', '--id-type is not available in this build yet');
  },
};

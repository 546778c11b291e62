/**
 * Stand-in for a format whose folder is still being written (issue 11): names it in the
 * registry so the configuration can accept it, and refuses a run that reads or writes it.
 * Removed when the last real format replaces its line.
 */
import { ConfigError } from '../errors/errors.js';
import type { RecordFormat } from './format.js';

export function notBuiltFormat(name: string): RecordFormat {
  return {
    name,
    forRun() {
      throw new ConfigError(`--from/--to ${name}: this format is not available in this build yet`, 'from');
    },
  };
}

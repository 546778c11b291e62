/** The worker side of AAM outbound: its reader, field reader and (until the output plan converts) CSV writer. */
import { RunError } from '../../errors/errors.js';
import type { FormatInit } from '../../protocol/messages.js';
import type { WorkerFormat } from '../worker-format.js';
import { AamCsvWriter } from './csv-writer.js';
import { PlainFieldReader } from './field-reader.js';
import { AamRecordReader } from './reader.js';

/** The field separator the main side put in FormatInit: a byte, or WHITESPACE_RUNS. */
function separatorOf(format: FormatInit): number {
  const v = format.fieldSeparator;
  if (typeof v !== 'number') throw new RunError('ERR_INTERNAL', "aam-outbound format: 'fieldSeparator' must be a byte value or -1");
  return v;
}

export const aamOutboundWorker: WorkerFormat = {
  reader: (format, limits) => new AamRecordReader(separatorOf(format), limits),
  fields: () => new PlainFieldReader(),
  writer: (format) => new AamCsvWriter(separatorOf(format)),
};

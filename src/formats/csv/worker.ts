/** The worker side of the CSV format: its reader, field reader and writer, for one dialect. */
import { RunError } from '../../errors/errors.js';
import type { FormatInit } from '../../protocol/messages.js';
import type { WorkerFormat } from '../worker-format.js';
import { FieldDecoder } from './field-decoder.js';
import { CsvRecordReader } from './reader.js';
import { CsvReplacingWriter } from './writer.js';
import { csvRowWriter } from './writer-rows.js';
import { LF } from '../line-ends.js';
import type { Dialect } from './scan.js';

/** The dialect's bytes, as the main side put them in FormatInit. */
function dialectOf(format: FormatInit): Dialect {
  const byte = (name: string, fallback?: number): number => {
    const v = format[name] ?? fallback;
    if (typeof v !== 'number') throw new RunError('ERR_INTERNAL', `csv format: '${name}' must be a byte value`);
    return v;
  };
  return { delimiter: byte('delimiter'), quote: byte('quote'), escape: byte('escape'), lineEnd: byte('lineEnd', LF) };
}

export const csvWorker: WorkerFormat = {
  reader: (format, limits) => new CsvRecordReader(dialectOf(format), limits),
  fields: (format) => new FieldDecoder(dialectOf(format)),
  writer: (format) => new CsvReplacingWriter(dialectOf(format)),
  rows: csvRowWriter,
};

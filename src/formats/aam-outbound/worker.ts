/**
 * The worker side of AAM outbound: its reader and field reader. Its rows are always written as
 * another format (CSV by default), through the converting path, so it has no writer of its own.
 */
import { RunError } from '../../errors/errors.js';
import type { FormatInit } from '../../protocol/messages.js';
import type { WorkerFormat } from '../worker-format.js';
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
  // No quoting: a field's value is its bytes (the converting writer's decodeRaw is not needed).
  fields: () => new PlainFieldReader(),
};

/**
 * The worker side of AAM inbound: its reader (`--from aam-inbound`) and field reader. Its output
 * always goes through the converting path (its writer is in ../output-writers.ts), so it has no
 * replacing writer.
 */
import { RunError } from '../../errors/errors.js';
import type { WorkerFormat } from '../worker-format.js';
import { PlainFieldReader } from '../aam-outbound/field-reader.js';
import { AamInboundReader } from './reader.js';

export const aamInboundWorker: WorkerFormat = {
  reader: (_format, limits) => new AamInboundReader(limits),
  // No quoting: a field's value is its bytes (the converting writer's decodeRaw is not needed).
  fields: () => new PlainFieldReader(),
  writer: () => {
    throw new RunError('ERR_INTERNAL', 'aam-inbound input is written through an output plan (ChunkPlan.output), never by the replacing writer');
  },
};

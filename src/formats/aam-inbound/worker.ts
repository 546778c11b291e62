/**
 * The worker side of AAM inbound: its reader (`--from aam-inbound`) and field reader. Its output
 * always goes through the converting path (`rows`: its writer), so it has no replacing writer.
 */
import type { WorkerFormat } from '../worker-format.js';
import { PlainFieldReader } from '../aam-outbound/field-reader.js';
import { AamInboundReader } from './reader.js';
import { aamInboundRowWriter } from './writer.js';

export const aamInboundWorker: WorkerFormat = {
  reader: (_format, limits) => new AamInboundReader(limits),
  // No quoting: a field's value is its bytes (the converting writer's decodeRaw is not needed).
  fields: () => new PlainFieldReader(),
  rows: aamInboundRowWriter,
};

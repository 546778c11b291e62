/**
 * One chunk's written records as the routing stage reads them (route.ts): the output bytes with
 * each record's end offset, input line and probe values (the worker contract of
 * src/protocol/messages.ts: ChunkResult.recordEnds, recordLines, probes), or the same read back
 * from the --dedup-order spool (dedup-spool.ts) with each record's key index.
 */
import { RunError } from '../errors/errors.js';
import type { AccountedChunk } from './account.js';

/** Per written record: input field values as output (ChunkPlan.probes), packed. */
export interface Probes {
  readonly bytes: Uint8Array;
  /** Record i, probe j: bytes[offsets[i*P + j], offsets[i*P + j + 1]). */
  readonly offsets: Int32Array;
}

/** One chunk's written records as routing sees them. */
export interface RoutedChunk {
  readonly out: Buffer;
  /** Records written in the chunk. */
  readonly records: number;
  /** Output offset just after each record. */
  readonly ends: Int32Array;
  /** Line feeds before each record, chunk-relative. */
  readonly lines?: Int32Array;
  readonly probes?: Probes;
  readonly lineBase: number;
  /** Pass 2 of --dedup-order: each record's key index (-1: an empty key). */
  readonly keys?: Int32Array;
}

/** A counted chunk as routing reads it: the worker's per-record offsets, lines and probe values. */
export function routedChunk(c: AccountedChunk): RoutedChunk {
  const r = c.result;
  const ends = r.recordEnds ?? new Int32Array(0);
  if (ends.length !== r.recordsOut) throw new RunError('ERR_INTERNAL', `a chunk came back with ${ends.length} record offsets for ${r.recordsOut} records written (ChunkPlan.recordEnds)`);
  return {
    out: c.out,
    records: r.recordsOut,
    ends,
    ...(r.recordLines ? { lines: r.recordLines } : {}),
    ...(r.probes ? { probes: { bytes: new Uint8Array(r.probes.bytes), offsets: r.probes.offsets } } : {}),
    lineBase: c.lineBase,
  };
}

/** Decides whether record i of a chunk is a duplicate; `seq` counts written records over the run. */
export interface Deduper {
  /** 'empty': the key is empty (missing_mandatory); true: a duplicate of an earlier record. */
  verdict(chunk: RoutedChunk, i: number, seq: number): boolean | 'empty';
}

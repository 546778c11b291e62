/**
 * The stage after the ordered merge: every result is counted (records in = out + rejected), its
 * rejects go to the reject file with their absolute line numbers, `--max-rejects` is checked,
 * and the output bytes go on in input order. Line numbers count per input file, from its header
 * (line 1) or, without one, from its first line.
 */
import type { BufferPool } from '../pool/buffer-pool.js';
import { REJECT_REASONS, type ChunkResult } from '../protocol/messages.js';
import type { RejectSink } from '../report/rejects-writer.js';
import type { RunAccounting } from '../report/run-report.js';
import type { Logger } from '../util/logger.js';
import type { Done } from './dispatch.js';
import type { Delivered, RejectLimit } from './reject-limit.js';

export interface AccountOptions {
  readonly accounting: RunAccounting;
  /** The column names rejects are reported under. */
  readonly columns: readonly string[];
  readonly rejects: RejectSink | undefined;
  readonly rejectLimit: RejectLimit;
  /** What a sink that cannot take bytes back has written so far, for the --max-rejects message. */
  readonly delivered: () => Promise<Delivered | undefined>;
  /** Takes back the chunks' input buffers. */
  readonly buffers: BufferPool;
  /** An error the pool raised outside any task: the run fails with it. */
  readonly poolError: () => Error | undefined;
  /** Records of the output bytes yielded so far, once the consumer has taken them. */
  readonly onRecordsOut: (records: number) => void;
  readonly log: Logger;
  /** Each counted chunk with its line base, once its rejects are written (import-audience: the unmatched IDs). */
  readonly onChunk?: (result: ChunkResult, lineBase: number) => Promise<void>;
}

/** A chunk once counted, for the routing stage (src/pipeline/route.ts): its result, its output bytes, and where its lines start. */
export interface AccountedChunk {
  readonly result: ChunkResult;
  /** Output bytes [0, outLength) of the result. */
  readonly out: Buffer;
  /** Line feeds before the chunk in its input file: record i's line is lineBase + recordLines[i] + 1. */
  readonly lineBase: number;
}

export async function* accounted(done: AsyncIterable<Done>, options: AccountOptions): AsyncGenerator<Buffer> {
  for await (const chunk of accountedChunks(done, options)) {
    if (chunk.out.length > 0) yield chunk.out;
    options.onRecordsOut(chunk.result.recordsOut);
  }
}

/** Each chunk counted and its rejects written, with its line base; `accounted` is its output bytes. */
export async function* accountedChunks(done: AsyncIterable<Done>, options: AccountOptions): AsyncGenerator<AccountedChunk> {
  const { accounting, rejects, rejectLimit, delivered } = options;
  let warnedCountry = false;
  // Line feeds before the next item, in its file.
  let lineFeedsBefore = 0;
  for await (const item of done) {
    if (item.kind === 'file') {
      lineFeedsBefore = 0;
      continue;
    }
    if (item.kind === 'header') {
      lineFeedsBefore = item.lineFeeds;
      accounting.blankLines += item.blankLines;
      continue;
    }
    if (item.kind === 'reject') {
      accounting.addFramingReject(item.reason);
      if (rejects && (await rejects.add(lineFeedsBefore + 1, '', item.reason, item.bytes, item.length))) accounting.rejectsTruncated++;
      lineFeedsBefore += item.lineFeeds;
      await rejectLimit.afterRecords(accounting, delivered);
      continue;
    }
    const poolError = options.poolError();
    if (poolError) throw poolError;
    const r = item.result;
    options.buffers.give(r.input);
    accounting.addChunk(r);
    if (r.phonesNeedingCountry > 0 && !warnedCountry) {
      warnedCountry = true;
      options.log.warn({ event: 'phone_needs_country' }, 'phone numbers without a country code (no leading + or 00) are rejected as invalid_phone: pass --default-country to read them as national numbers');
    }
    if (rejects && r.rejects.count > 0) accounting.rejectsTruncated += await writeRejects(rejects, r, lineFeedsBefore, options.columns);
    const lineBase = lineFeedsBefore;
    if (options.onChunk) await options.onChunk(r, lineBase);
    lineFeedsBefore += r.lineFeeds;
    await rejectLimit.afterRecords(accounting, delivered);
    yield { result: r, out: Buffer.from(r.out, 0, r.outLength), lineBase };
  }
  await rejectLimit.atEnd(accounting, delivered);
}

/** Returns how many of the chunk's reject texts were cut. */
async function writeRejects(writer: RejectSink, r: ChunkResult, lineFeedsBefore: number, columns: readonly string[]): Promise<number> {
  const rej = r.rejects;
  const raw = Buffer.from(rej.raw);
  let cut = 0;
  for (let i = 0; i < rej.count; i++) {
    const col = rej.columns[i];
    const text = raw.subarray(rej.rawOffsets[i], rej.rawOffsets[i + 1]);
    if (await writer.add(lineFeedsBefore + rej.lineOffsets[i] + 1, col >= 0 ? columns[col] : '', REJECT_REASONS[rej.reasons[i]], text, rej.recordLengths[i])) cut++;
  }
  return cut;
}

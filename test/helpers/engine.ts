/**
 * Runs the engine's pure core in-process (chunker + chunk processor, no pool) so differential
 * tests can try thousands of inputs and chunk sizes quickly. The pool and the CLI are covered by
 * the end-to-end tests.
 */
import { frameRecords } from '../../src/pipeline/chunker.js';
import { CsvFraming } from '../../src/formats/csv/framing.js';
import { parseHeader } from '../../src/formats/csv/header.js';
import { RecordEngine } from '../../src/worker/record-engine.js';
import type { ColumnOp, OpParams, RejectReason, WorkerInit } from '../../src/protocol/messages.js';
import { REJECT_REASONS } from '../../src/protocol/messages.js';

export interface EngineRun {
  header: string[];
  output: Buffer;
  rejects: Array<{ line: number; reason: RejectReason; column: number; record: string }>;
  records: number;
  recordsOut: number;
  blankLines: number;
  /** Each chunk's output and its per-record output offsets, as the worker returned them. */
  chunks: Array<{ output: Buffer; recordEnds: Int32Array; recordsOut: number }>;
}

/** Feeds `input` in reads of `readSize` bytes, as a stream would. */
async function* reads(input: Buffer, readSize: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < input.length; i += readSize) yield input.subarray(i, Math.min(input.length, i + readSize));
}

/**
 * The run-wide values as the tests give them (one AES key, one encoding, one default country),
 * turned into what the worker takes: a key list and each column's params.
 */
export interface RunValues {
  aesKey?: Uint8Array;
  aesIv?: Uint8Array;
  cipherEncoding?: 'hex' | 'base64';
  defaultCountry?: string;
}

type TestColumn = Omit<ColumnOp, 'params'> & { params?: OpParams };

function workerColumns(columns: TestColumn[], values: RunValues): ColumnOp[] {
  return columns.map((c) => {
    if (c.params) return c as ColumnOp;
    if (c.op === 'encrypt' || c.op === 'decrypt') return { ...c, params: { key: 0, encoding: values.cipherEncoding ?? 'hex' } };
    if (c.op.startsWith('phone_') && values.defaultCountry !== undefined) return { ...c, params: { defaultCountry: values.defaultCountry } };
    return { ...c, params: {} };
  });
}

export async function runEngine(
  input: Buffer,
  opts: { chunkSize: number; readSize?: number; escape?: number; delimiter?: number; maxRecordBytes?: number; scanBound?: number; columns?: (header: string[]) => TestColumn[]; init?: Partial<WorkerInit> & RunValues },
): Promise<EngineRun> {
  const dialect = { delimiter: opts.delimiter ?? 0x2c, quote: 0x22, escape: opts.escape ?? 0x22 };
  const maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
  const items = frameRecords(reads(input, opts.readSize ?? 65536), { framing: new CsvFraming(dialect), chunkSize: opts.chunkSize, maxRecordBytes, scanBound: opts.scanBound });
  const out: Buffer[] = [];
  const chunks: EngineRun['chunks'] = [];
  const rejects: EngineRun['rejects'] = [];
  let header: string[] = [];
  let processor: RecordEngine | undefined;
  let lineFeeds = 0;
  let records = 0;
  let recordsOut = 0;
  let blankLines = 0;
  for await (const item of items) {
    if (item.kind === 'header') {
      header = parseHeader(item.bytes, { ...dialect, lineEnd: item.lineEnd });
      out.push(Buffer.concat([item.bytes, Buffer.from('\n')]));
      lineFeeds = item.lineFeeds;
      blankLines += item.blankLines;
      const { aesKey, aesIv, cipherEncoding, defaultCountry, ...init } = opts.init ?? {};
      const columns = workerColumns(opts.columns?.(header) ?? [], { cipherEncoding, defaultCountry });
      const keys = aesKey && aesIv ? [{ key: aesKey, iv: aesIv }] : [];
      processor = new RecordEngine({ format: { name: 'csv', ...dialect }, maxRecordBytes, keys, sha256: 'native', ...init }, { fieldCount: header.length, columns, lineEnd: item.lineEnd, recordEnds: true });
      continue;
    }
    if (item.kind === 'reject') {
      rejects.push({ line: lineFeeds + 1, reason: item.reason, column: -1, record: item.bytes.toString('latin1') });
      records++;
      lineFeeds += item.lineFeeds;
      continue;
    }
    const r = processor!.process(new Uint8Array(item.buffer, 0, item.length), item.length);
    const raw = Buffer.from(r.rejects.raw);
    for (let i = 0; i < r.rejects.count; i++) {
      rejects.push({
        line: lineFeeds + r.rejects.lineOffsets[i] + 1,
        reason: REJECT_REASONS[r.rejects.reasons[i]],
        column: r.rejects.columns[i],
        record: raw.subarray(r.rejects.rawOffsets[i], r.rejects.rawOffsets[i + 1]).toString('latin1'),
      });
    }
    out.push(Buffer.from(r.out, 0, r.outLength));
    chunks.push({ output: Buffer.from(r.out, 0, r.outLength), recordEnds: r.recordEnds, recordsOut: r.recordsOut });
    lineFeeds += r.lineFeeds;
    records += r.records;
    recordsOut += r.recordsOut;
    blankLines += r.blankLines;
  }
  return { header, output: Buffer.concat(out), rejects, records, recordsOut, blankLines, chunks };
}

/** A small seeded PRNG for test inputs. */
export { mulberry32 as rng } from '../../src/tools/generate/prng.js';

/**
 * Runs the record engine's converting path in-process (chunker + engine, no pool): the input
 * framed as CSV of one dialect, every chunk through one engine built with the given output plan.
 * Results keep what the routing contract promises (recordEnds, recordLines, probes) per chunk.
 */
import { frameRecords } from '../../src/pipeline/chunker.js';
import { CsvFraming } from '../../src/formats/csv/framing.js';
import { parseHeader } from '../../src/formats/csv/header.js';
import { RecordEngine } from '../../src/worker/record-engine.js';
import { REJECT_REASONS, type ColumnOp, type OutputPlan, type RejectReason, type WorkerInit } from '../../src/protocol/messages.js';

export interface ConvertRun {
  header: string[];
  /** Records only (the header is the main side's). */
  output: Buffer;
  rejects: Array<{ line: number; reason: RejectReason; column: number; record: string }>;
  records: number;
  recordsOut: number;
  /** Per written record: its bytes (cut by recordEnds), absolute line, probe values. */
  written: Array<{ bytes: Buffer; line: number; probes: string[] }>;
}

async function* reads(input: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < input.length; i += size) yield input.subarray(i, Math.min(input.length, i + size));
}

export const CSV = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };
export const AEP = { delimiter: 0x2c, quote: 0x22, escape: 0x5c };

export async function convert(
  input: Buffer,
  opts: {
    chunkSize: number;
    dialect?: { delimiter: number; quote: number; escape: number };
    output: (header: string[]) => OutputPlan;
    columns?: (header: string[]) => ColumnOp[];
    probes?: (header: string[]) => number[];
    init?: Partial<WorkerInit>;
    formatName?: string;
  },
): Promise<ConvertRun> {
  const dialect = opts.dialect ?? CSV;
  const maxRecordBytes = 1 << 20;
  const items = frameRecords(reads(input, 4096), { framing: new CsvFraming(dialect), chunkSize: opts.chunkSize, maxRecordBytes });
  let header: string[] = [];
  let engine: RecordEngine | undefined;
  let lineFeeds = 0;
  const run: ConvertRun = { header, output: Buffer.alloc(0), rejects: [], records: 0, recordsOut: 0, written: [] };
  const out: Buffer[] = [];
  for await (const item of items) {
    if (item.kind === 'header') {
      header = parseHeader(item.bytes, { ...dialect, lineEnd: item.lineEnd });
      run.header = header;
      lineFeeds = item.lineFeeds;
      const init: WorkerInit = { format: { name: opts.formatName ?? 'csv', ...dialect }, maxRecordBytes, keys: [], sha256: 'native', ...opts.init };
      engine = new RecordEngine(init, { fieldCount: header.length, columns: opts.columns?.(header) ?? [], lineEnd: item.lineEnd, recordEnds: true, output: opts.output(header), probes: opts.probes?.(header) });
      continue;
    }
    if (item.kind === 'reject') {
      run.rejects.push({ line: lineFeeds + 1, reason: item.reason, column: -1, record: item.bytes.toString() });
      run.records++;
      lineFeeds += item.lineFeeds;
      continue;
    }
    const r = engine!.process(new Uint8Array(item.buffer, 0, item.length), item.length);
    const raw = Buffer.from(r.rejects.raw);
    for (let i = 0; i < r.rejects.count; i++) {
      run.rejects.push({ line: lineFeeds + r.rejects.lineOffsets[i] + 1, reason: REJECT_REASONS[r.rejects.reasons[i]], column: r.rejects.columns[i], record: raw.subarray(r.rejects.rawOffsets[i], r.rejects.rawOffsets[i + 1]).toString() });
    }
    const bytes = Buffer.from(r.out, 0, r.outLength);
    out.push(bytes);
    const ends = r.recordEnds!;
    if (ends.length !== r.recordsOut || r.recordLines!.length !== r.recordsOut) throw new Error('recordEnds / recordLines do not have one entry per written record');
    const P = opts.probes ? opts.probes(header).length : 0;
    if (P > 0 && r.probes!.offsets.length !== r.recordsOut * P + 1) throw new Error('probe offsets: not recordsOut * P + 1 entries');
    const pb = r.probes ? Buffer.from(r.probes.bytes) : Buffer.alloc(0);
    let from = 0;
    for (let i = 0; i < ends.length; i++) {
      const probes: string[] = [];
      for (let j = 0; j < P; j++) probes.push(pb.toString('utf8', r.probes!.offsets[i * P + j], r.probes!.offsets[i * P + j + 1]));
      run.written.push({ bytes: bytes.subarray(from, ends[i]), line: lineFeeds + r.recordLines![i] + 1, probes });
      from = ends[i];
    }
    if (from !== bytes.length) throw new Error(`recordEnds end at ${from}, the output at ${bytes.length}`);
    lineFeeds += r.lineFeeds;
    run.records += r.records;
    run.recordsOut += r.recordsOut;
  }
  run.output = Buffer.concat(out);
  return run;
}

/** An output plan of every column in input order (or the given ones), to `format`. */
export function rowsPlan(format: 'csv' | 'aep-csv', fields: OutputPlan['fields'], extra: Partial<OutputPlan> = {}): OutputPlan {
  const dialect = format === 'aep-csv' ? AEP : CSV;
  return { format: { name: format, ...dialect }, fields, copyFields: false, mandatory: [], ...extra };
}

export const inputs = (header: string[], names?: string[]): OutputPlan['fields'] => (names ?? header).map((n) => ({ kind: 'input' as const, index: header.indexOf(n) }));

/**
 * `--from aam-outbound`: rows `<ID><sep><segments><sep><removed>` read as the columns id,
 * segments, removed_segments, through the chunker and the record engine (every chunk size) and
 * through the built CLI (output, reject file, report counts, exit code), against an independent
 * reading of the same lines (split on runs of spaces and tabs) and csv-parse of the CSV output.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { LineFraming } from '../src/formats/aam-outbound/framing.js';
import { AAM_OUTBOUND_COLUMNS, WHITESPACE_RUNS } from '../src/formats/aam-outbound/layout.js';
import { buildProcessConfig } from '../src/config/load.js';
import { planOutput } from '../src/pipeline/plan-output.js';
import { frameRecords } from '../src/pipeline/chunker.js';
import { REJECT_REASONS, type ColumnOp } from '../src/protocol/messages.js';
import { RecordEngine } from '../src/worker/record-engine.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { rng } from './helpers/engine.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const HEADER = 'id,segments,removed_segments\n';

async function* reads(input: Buffer, readSize: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < input.length; i += readSize) yield input.subarray(i, Math.min(input.length, i + readSize));
}

interface EngineOutcome {
  output: string;
  rejects: { line: number; reason: string; column: number; record: string }[];
  records: number;
  recordsOut: number;
  blankLines: number;
}

/** Frames `input` as the run does (no header) and runs every chunk through one engine. */
async function runAam(input: Buffer, opts: { chunkSize: number; readSize?: number; separator?: number; maxRecordBytes?: number; columns?: ColumnOp[] }): Promise<EngineOutcome> {
  const maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
  const settings = { name: 'aam-outbound', fieldSeparator: opts.separator ?? WHITESPACE_RUNS, listSeparator: 0x2c };
  const columns = opts.columns ?? [];
  // The output plan a run makes for an AAM outbound input (CSV out, every column), as plan-output.ts makes it.
  const design = planOutput(buildProcessConfig({ from: 'aam-outbound', passthrough: true }, {}, {}, {}), { columns: [...AAM_OUTBOUND_COLUMNS], settings }, columns, { force: true });
  const engine = new RecordEngine({ format: settings, maxRecordBytes, keys: [], sha256: 'js' }, { fieldCount: 3, columns, lineEnd: 0x0a, output: design!.plan });
  const out: Buffer[] = [];
  const rejects: EngineOutcome['rejects'] = [];
  let lineFeeds = 0;
  let records = 0;
  let recordsOut = 0;
  let blankLines = 0;
  for await (const item of frameRecords(reads(input, opts.readSize ?? 65536), { framing: new LineFraming(), header: false, chunkSize: opts.chunkSize, maxRecordBytes })) {
    if (item.kind === 'header') throw new Error('a headerless format yielded a header');
    if (item.kind === 'reject') {
      rejects.push({ line: lineFeeds + 1, reason: item.reason, column: -1, record: item.bytes.toString('latin1') });
      records++;
      lineFeeds += item.lineFeeds;
      continue;
    }
    const r = engine.process(new Uint8Array(item.buffer, 0, item.length), item.length);
    const raw = Buffer.from(r.rejects.raw);
    for (let i = 0; i < r.rejects.count; i++) {
      rejects.push({ line: lineFeeds + r.rejects.lineOffsets[i] + 1, reason: REJECT_REASONS[r.rejects.reasons[i]], column: r.rejects.columns[i], record: raw.subarray(r.rejects.rawOffsets[i], r.rejects.rawOffsets[i + 1]).toString('latin1') });
    }
    out.push(Buffer.from(r.out, 0, r.outLength));
    lineFeeds += r.lineFeeds;
    records += r.records;
    recordsOut += r.recordsOut;
    blankLines += r.blankLines;
  }
  return { output: Buffer.concat(out).toString('utf8'), rejects, records, recordsOut, blankLines };
}

/** The test's own reading of a default-layout line: its fields, split on runs of spaces and tabs. */
const fieldsOf = (line: string): string[] => line.replace(/\r$/, '').split(/[ \t]+/).filter((f) => f !== '');

/** Seeded AAM outbound lines: 2 and 3 fields, runs of spaces and tabs, CRLF, blank and bad lines. */
function seededRows(seed: number, n: number): { input: Buffer; lines: string[] } {
  const next = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const seps = [' ', '  ', '\t', ' \t ', '\t\t'];
  const segs = (): string => Array.from({ length: 1 + Math.floor(next() * 4) }, () => String(1000 + Math.floor(next() * 9000))).join(',');
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = next();
    const id = String(10n ** 37n + BigInt(i));
    if (r < 0.05) lines.push(pick(['', '   ', '\t', ' \t  ']));
    else if (r < 0.08) lines.push(id);
    else if (r < 0.1) lines.push([id, segs(), segs(), segs()].join(' '));
    else if (r < 0.4) lines.push(`${pick(['', ' ', '\t'])}${id}${pick(seps)}${segs()}${pick(['', ' ', '\t '])}`);
    else lines.push(`${id}${pick(seps)}${segs()}${pick(seps)}${segs()}${pick(['', '  '])}`);
  }
  const text = lines.map((l) => l + (next() < 0.3 ? '\r\n' : '\n')).join('');
  return { input: Buffer.from(text), lines };
}

/** What the run must make of `lines`: CSV rows (3 fields each), rejects by line number, blank lines. */
function expected(lines: string[]): { rows: string[][]; rejects: { line: number; reason: string }[]; blank: number } {
  const rows: string[][] = [];
  const rejects: { line: number; reason: string }[] = [];
  let blank = 0;
  lines.forEach((line, i) => {
    const f = fieldsOf(line);
    if (f.length === 0) blank++;
    else if (f.length < 2 || f.length > 3) rejects.push({ line: i + 1, reason: 'field_count' });
    else rows.push([f[0], f[1], f[2] ?? '']);
  });
  return { rows, rejects, blank };
}

describe('aam-outbound through the chunker and the engine', () => {
  for (const seed of [1, 2, 3]) {
    it(`reads seeded rows as three columns at every chunk and read size (seed ${seed})`, async () => {
      const { input, lines } = seededRows(seed, 400);
      const want = expected(lines);
      const outputs = new Set<string>();
      for (const chunkSize of [1, 13, 256, 1 << 16]) {
        for (const readSize of [1, 7, 65536]) {
          if (readSize === 1 && chunkSize > 13) continue;
          const run = await runAam(input, { chunkSize, readSize });
          expect(parse(run.output, { relax_column_count: false })).toEqual(want.rows);
          expect(run.rejects.map(({ line, reason }) => ({ line, reason }))).toEqual(want.rejects);
          expect(run.blankLines).toBe(want.blank);
          // Every record is accounted for: written or rejected; blank lines are no records.
          expect(run.records).toBe(run.recordsOut + run.rejects.length);
          expect(run.recordsOut).toBe(want.rows.length);
          outputs.add(run.output);
        }
      }
      expect(outputs.size).toBe(1);
    });
  }

  it('writes segment lists with commas as one quoted CSV field, and an absent removed list as empty', async () => {
    const run = await runAam(Buffer.from('u1 1,2,3 4,5\nu2\t7\n'), { chunkSize: 1 << 16 });
    expect(run.output).toBe('u1,"1,2,3","4,5"\nu2,7,\n');
  });

  it('quotes are data in AAM rows: written doubled inside a quoted CSV field, never opening one', async () => {
    const run = await runAam(Buffer.from('u"1 1,2 "3\n"u2" 4"x 5\n'), { chunkSize: 1 << 16, columns: [{ index: 0, name: 'id', op: 'sha256', params: {} }] });
    expect(run.output).toBe(`${sha('u"1')},"1,2","""3"\n${sha('"u2"')},"4""x",5\n`);
    expect(parse(run.output)).toEqual([[sha('u"1'), '1,2', '"3'], [sha('"u2"'), '4"x', '5']]);
  });

  it('a row without a segment field and a row of four fields are rejected field_count, with their text and line', async () => {
    const run = await runAam(Buffer.from('u1 1 2\nu2\nu3 1 2 3\n  u4   \nu5 9\n'), { chunkSize: 4 });
    expect(run.output).toBe('u1,1,2\nu5,9,\n');
    expect(run.rejects).toEqual([
      { line: 2, reason: 'field_count', column: -1, record: 'u2' },
      { line: 3, reason: 'field_count', column: -1, record: 'u3 1 2 3' },
      { line: 4, reason: 'field_count', column: -1, record: '  u4   ' },
    ]);
  });

  it('lines of only whitespace (CRLF too, and at the end without a line end) are blank lines, not records', async () => {
    const run = await runAam(Buffer.from(' \t \r\nu1 1\n\n\t\nu2 2 3\r\n   '), { chunkSize: 3 });
    expect(run.output).toBe('u1,1,\nu2,2,3\n');
    expect(run.blankLines).toBe(4);
    expect(run.records).toBe(2);
    expect(run.rejects).toEqual([]);
  });

  it('trailing and leading whitespace and a CRLF belong to no field', async () => {
    const run = await runAam(Buffer.from('  u1   1,2\t\t3   \r\nu2 4 \t\r\n'), { chunkSize: 1 << 16 });
    expect(run.output).toBe('u1,"1,2",3\nu2,4,\n');
  });

  it('a CR-only file is one line full of CRs: rejected bad_line_end, nothing written', async () => {
    const run = await runAam(Buffer.from('u1 1 2\ru2 3 4\ru3 5 6\r'), { chunkSize: 4 });
    expect(run.output).toBe('');
    expect(run.rejects).toEqual([{ line: 1, reason: 'bad_line_end', column: -1, record: 'u1 1 2\ru2 3 4\ru3 5 6' }]);
    // A CR inside an otherwise good line is the same flaw.
    const one = await runAam(Buffer.from('u1 1\r2 3\nu2 4 5\n'), { chunkSize: 1 << 16 });
    expect(one.rejects.map((r) => [r.line, r.reason])).toEqual([[1, 'bad_line_end']]);
    expect(one.output).toBe('u2,4,5\n');
  });

  it('a line over --max-record-bytes is rejected record_too_large; the lines around it are read', async () => {
    const long = `u2 ${'1,'.repeat(100)}9 3`;
    const run = await runAam(Buffer.from(`u1 1 2\n${long}\nu3 5 6\n`), { chunkSize: 16, maxRecordBytes: 100 });
    expect(run.output).toBe('u1,1,2\nu3,5,6\n');
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[2, 'record_too_large']]);
  });

  it('--field-separator: one byte splits exactly (empty fields count); spaces are then data', async () => {
    const pipe = 0x7c;
    const run = await runAam(Buffer.from('u1|1,2|3\nu 2|a b|\nu3||r\nu4|5\nu5\nu6|1|2|3\n'), { chunkSize: 1 << 16, separator: pipe });
    expect(run.output).toBe('u1,"1,2",3\nu 2,a b,\nu3,,r\nu4,5,\n');
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[5, 'field_count'], [6, 'field_count']]);
    const tab = await runAam(Buffer.from('u1\t1 2\t3\r\n'), { chunkSize: 1 << 16, separator: 0x09 });
    expect(tab.output).toBe('u1,1 2,3\n');
  });

  it('--field-separator with transformed fields anywhere in the row: the untouched ones around them keep their places', async () => {
    const input = Buffer.from('a|b,c|d\na||d\na|b\na|\n|b|\n');
    const hash = (index: number, name: string): ColumnOp => ({ index, name, op: 'sha256', params: {} });
    const h = (s: string): string => (s === '' ? '' : sha(s));
    const rows = [['a', 'b,c', 'd'], ['a', '', 'd'], ['a', 'b', ''], ['a', '', ''], ['', 'b', '']];
    const csv = (r: string[]): string => r.map((v) => (v.includes(',') ? `"${v}"` : v)).join(',');
    for (const picked of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
      const names = ['id', 'segments', 'removed_segments'];
      const run = await runAam(input, { chunkSize: 5, separator: 0x7c, columns: picked.map((i) => hash(i, names[i])) });
      expect(run.output, `fields ${picked.join(',')}`).toBe(rows.map((r) => `${csv(r.map((v, i) => (picked.includes(i) ? h(v) : v)))}\n`).join(''));
    }
    const ws = await runAam(Buffer.from(' a \t b,c   d \nx y\n'), { chunkSize: 1 << 16, columns: [hash(1, 'segments')] });
    expect(ws.output).toBe(`a,${sha('b,c')},d\nx,${sha('y')},\n`);
  });

  it('--field-separator a file does not use: every row one field, field_count, each line searched once for it', async () => {
    // 40,000 lines in one 2.4 MB chunk: a search from each line to the chunk's end would read ~50 GB.
    const lines = Array.from({ length: 40_000 }, (_, i) => `${String(i).padStart(38, '0')} 1,2 3`);
    const run = await runAam(Buffer.from(lines.join('\n') + '\n'), { chunkSize: 4 << 20, separator: 0x3b });
    expect(run.output).toBe('');
    expect(run.rejects.length).toBe(40_000);
    expect(new Set(run.rejects.map((r) => r.reason))).toEqual(new Set(['field_count']));
    expect(run.rejects[39_999]).toMatchObject({ line: 40_000, record: lines[39_999] });
  });

  it('ops work on the columns: the id hashed, the segment lists copied as they are', async () => {
    const columns: ColumnOp[] = [{ index: 0, name: 'id', op: 'sha256', params: {} }];
    const run = await runAam(Buffer.from(' u1 1,2 3\nu2\t4\n'), { chunkSize: 1 << 16, columns });
    expect(run.output).toBe(`${sha('u1')},"1,2",3\n${sha('u2')},4,\n`);
    // A transformed removed list that is absent is empty: it stays empty (never the hash of "").
    const removed = await runAam(Buffer.from('u1 1 3\nu2 4\n'), { chunkSize: 1 << 16, columns: [{ index: 2, name: 'removed_segments', op: 'sha256', params: {} }] });
    expect(removed.output).toBe(`u1,1,${sha('3')}\nu2,4,\n`);
    const both = await runAam(Buffer.from('u1|\n'), { chunkSize: 1 << 16, separator: 0x7c, columns: [{ index: 2, name: 'removed_segments', op: 'sha256', params: {} }] });
    expect(both.output).toBe('u1,,\n');
  });

  it('an id of invalid UTF-8 is rejected invalid_utf8 naming the id column when an op reads it', async () => {
    const input = Buffer.concat([Buffer.from('u1 1 2\n'), Buffer.from([0x75, 0xff, 0xfe, 0x20, 0x31, 0x0a]), Buffer.from('ü3 1\n')]);
    const run = await runAam(input, { chunkSize: 1 << 16, columns: [{ index: 0, name: 'id', op: 'sha256', params: {} }] });
    expect(run.output).toBe(`${sha('u1')},1,2\n${sha('ü3')},1,\n`);
    expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([[2, 'invalid_utf8', 0]]);
  });

  it('an empty input is no record and no error', async () => {
    const run = await runAam(Buffer.alloc(0), { chunkSize: 4 });
    expect(run).toEqual({ output: '', rejects: [], records: 0, recordsOut: 0, blankLines: 0 });
  });
});

describe('--from aam-outbound as a library call', () => {
  const tmp = tempDir('ap-aam-lib-');
  afterAll(() => tmp.cleanup());

  it("processFile({ from: 'aam-outbound', fieldSeparator, hash, idType }): the CSV out and the report's counts", async () => {
    const { processFile } = (await import(`${ROOT}/dist/index.js`)) as { processFile: (o: Record<string, unknown>) => Promise<Record<string, any>> };
    const input = join(tmp.dir, 'in.sync');
    const out = join(tmp.dir, 'out.csv');
    const ecid = '1'.repeat(38);
    writeFileSync(input, `${ecid};1,2;3\n123;4\n\n${ecid};5\n`);
    const report = await processFile({ in: input, out, from: 'aam-outbound', fieldSeparator: ';', idType: 'id=ecid', hash: 'segments=sha256', maxRejects: 'none' });
    expect(readFileSync(out, 'utf8')).toBe(`${HEADER}${ecid},${sha('1,2')},3\n${ecid},${sha('5')},\n`);
    expect(report).toMatchObject({ recordsIn: 3, recordsOut: 2, recordsRejected: 1, blankLines: 1, rejectReasons: { invalid_id: 1 } });
  });
});

describe('--from aam-outbound through the CLI', () => {
  const tmp = tempDir('ap-aam-out-');
  afterAll(() => tmp.cleanup());
  let n = 0;
  async function run(input: Buffer, args: string[], name = 'in.txt') {
    const k = n++;
    const inPath = join(tmp.dir, `${k}-${name}`);
    const rejects = join(tmp.dir, `${k}-rejects.csv`);
    const report = join(tmp.dir, `${k}-report.json`);
    writeFileSync(inPath, input);
    const res = await runCli(['process', '--from', 'aam-outbound', '--in', inPath, '--rejects', rejects, '--report', report, ...args]);
    const read = (p: string): string => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return '';
      }
    };
    return { code: res.code, stdout: res.stdout.toString('utf8'), stderr: res.stderr, rejects: read(rejects), report: JSON.parse(read(report) || '{}') };
  }

  it('writes CSV under the header id,segments,removed_segments, the same at 1 and 2 workers and every chunk size', async () => {
    const { input, lines } = seededRows(9, 2000);
    const want = expected(lines);
    const seen = new Set<string>();
    for (const [workers, chunk] of [['1', '1MiB'], ['2', '1'], ['2', '3KiB']]) {
      const r = await run(input, ['--workers', workers, '--chunk-size', chunk, '--max-rejects', 'none']);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith(HEADER)).toBe(true);
      expect(parse(r.stdout, { columns: true })).toEqual(want.rows.map(([id, segments, removed_segments]) => ({ id, segments, removed_segments })));
      expect(r.report.recordsIn).toBe(want.rows.length + want.rejects.length);
      expect(r.report.recordsOut).toBe(want.rows.length);
      expect(r.report.recordsRejected).toBe(want.rejects.length);
      expect(r.report.blankLines).toBe(want.blank);
      expect(r.report.recordsIn).toBe(r.report.recordsOut + r.report.recordsRejected + (r.report.recordsDeduplicated ?? 0));
      expect(parse(r.rejects, { columns: true }).map((x: { line: string; reason: string }) => ({ line: Number(x.line), reason: x.reason }))).toEqual(want.rejects);
      seen.add(r.stdout);
    }
    expect(seen.size).toBe(1);
  });

  it('--hash id=sha256 hashes every id (no raw id reaches the output); a gzip input reads the same', async () => {
    const text = '11111111111111111111111111111111111111 1,2 3\n22222222222222222222222222222222222222\t4\n';
    const plain = await run(Buffer.from(text), ['--hash', 'id=sha256']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`${HEADER}${sha('1'.repeat(38))},"1,2",3\n${sha('2'.repeat(38))},4,\n`);
    const gz = await run(gzipSync(Buffer.from(text)), ['--hash', 'id=sha256'], 'in.sync.gz');
    expect(gz.code).toBe(0);
    expect(gz.stdout).toBe(plain.stdout);
  });

  it('--decrypt id turns an AES ID back into the e-mail (DOMAIN.md test vector)', async () => {
    const keyFile = join(tmp.dir, 'key.hex');
    writeFileSync(keyFile, '0123456789ABCDEF0123456789ABCDEF\n');
    const ct = 'a4e70c52b4ca4a338d6d0ea25986355284f6ea47bb275506e61fa25b4ec4d365';
    const r = await run(Buffer.from(`${ct} 5,6 7\n${ct.toUpperCase()}  8\nnothex 9\n`), ['--decrypt', 'id', '--aes-key-file', keyFile, '--aes-iv', '0123456789ABCDEFFEDCBA9876543210']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${HEADER}johndoe@example.com,"5,6",7\njohndoe@example.com,8,\n`);
    expect(r.rejects).toBe('line,column,reason,record\n3,id,bad_ciphertext,nothex 9\n');
  });

  it('--field-separator and --passthrough', async () => {
    const r = await run(Buffer.from('u1;1,2;3\nu2;4\n'), ['--field-separator', ';']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${HEADER}u1,"1,2",3\nu2,4,\n`);
    const p = await run(Buffer.from('u1 1,2 3\n'), ['--passthrough']);
    expect(p.code).toBe(0);
    expect(p.stdout).toBe(`${HEADER}u1,"1,2",3\n`);
  });

  it('an id of invalid UTF-8 is rejected invalid_utf8 (line, column id); the others go on', async () => {
    const input = Buffer.concat([Buffer.from('u1 1 2\n'), Buffer.from([0xc3, 0x28, 0x20, 0x31, 0x0a]), Buffer.from('u3 1\n')]);
    const r = await run(input, ['--hash', 'id=sha256']);
    expect(r.code).toBe(0);
    expect(r.report.recordsOut).toBe(2);
    expect(r.report.rejectReasons).toEqual({ invalid_utf8: 1 });
    expect(r.rejects.split('\n')[1]).toMatch(/^2,id,invalid_utf8,/);
  });

  it('--max-record-bytes: a longer line is rejected record_too_large with its line; the run goes on', async () => {
    const r = await run(Buffer.from(`u1 1 2\nu2 ${'9,'.repeat(200)}9\nu3 3\n`), ['--max-record-bytes', '64']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${HEADER}u1,1,2\nu3,3,\n`);
    expect(r.report.rejectReasons).toEqual({ record_too_large: 1 });
    expect(r.rejects.split('\n')[1]).toMatch(/^2,,record_too_large,/);
  });

  it('a CR-only file: its one line is rejected bad_line_end and the run fails on --max-rejects (exit 1)', async () => {
    const r = await run(Buffer.from('u1 1 2\ru2 3 4\ru3 5 6\r'), []);
    expect(r.code).toBe(1);
    expect(r.report.recordsIn).toBe(1);
    expect(r.report.rejectReasons).toEqual({ bad_line_end: 1 });
    expect(r.stderr).toContain('1 of 1 records rejected (100.0%), over --max-rejects 50%; top reason bad_line_end (1)');
  });

  it('a truncated gzip input fails the run: exit 1, ERR_GZIP, no record reported as written', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `u${i} ${i},${i + 1} ${i + 2}`).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(rows));
    const r = await run(gz.subarray(0, gz.length - 20), [], 'cut.sync.gz');
    expect(r.code).toBe(1);
    expect(r.report.status).toBe('failed');
    expect(r.report.error.code).toBe('ERR_GZIP');
    expect(r.stderr).toMatch(/input is not valid gzip/);
  });

  it('an empty file: the header alone, no record, exit 0', async () => {
    const r = await run(Buffer.alloc(0), []);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HEADER);
    expect(r.report.recordsIn).toBe(0);
  });

  it('trailing whitespace and whitespace-only lines: no extra field, blank lines counted', async () => {
    const r = await run(Buffer.from('u1 1,2 3   \n   \n\t\r\nu2 4\t \r\n  '), []);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${HEADER}u1,"1,2",3\nu2,4,\n`);
    expect(r.report.blankLines).toBe(3);
    expect(r.report.recordsRejected).toBe(0);
  });
});

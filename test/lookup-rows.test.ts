// import-audience's native fast path (src/worker/lookup-rows.ts, native/lookup_rows.c) against the
// record engine's own path (the AAM reader, the lookup op, the CSV row writer): the same chunks,
// clean and damaged (blank lines, CRLF, stray CRs, wrong field counts, lines too long, IDs that
// are not hex, not ASCII, padded or empty, values that need quoting), must give the same result,
// field by field: output bytes, counts, rejects, unmatched lines, reasons and IDs. A clean chunk
// must be taken by the fast path; a chunk with a line the engine rejects must be left to the engine.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AAM_OUTBOUND_COLUMNS, WHITESPACE_RUNS } from '../src/formats/aam-outbound/layout.js';
import type { ChunkPlan, ChunkResult, WorkerInit } from '../src/protocol/messages.js';
import { importPlan } from '../src/reconcile/import/plan.js';
import { csvFileProfiles } from '../src/reconcile/profiles/csv-file.js';
import { LookupRows } from '../src/worker/lookup-rows.js';
import { RecordEngine } from '../src/worker/record-engine.js';
import { tempDir } from './helpers/cli.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { build, incoming, jobFor } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-lookup-rows-');
afterAll(cleanup);

const ROWS = generateProfiles(1500, 11);
const path = join(dir, 'profiles.csv');
writeFileSync(path, profilesCsv(ROWS));
const job = jobFor({ path }, dir);
const { state } = await build(job, csvFileProfiles(path));
/** Incoming IDs of the digest sources (0 sha256, 1 sha256_lc, 2 email_lc_sha256): most of them a profile's. */
const IDS = [0, 1, 2].flatMap((s) => incoming(ROWS, s, 40 + s)).filter((id) => /^[0-9a-f]{64}$/i.test(id));
const MAX_RECORD = 300;

function setup(opts: { separator: number; order: number[]; keepUnmatched?: boolean; fields?: string[]; maxRecordBytes?: number }): { init: WorkerInit; plan: Omit<ChunkPlan, 'id'> } {
  const format = { name: 'aam-outbound', fieldSeparator: opts.separator, listSeparator: 0x2c };
  const init: WorkerInit = { format, maxRecordBytes: opts.maxRecordBytes ?? MAX_RECORD, keys: [{ key: new Uint8Array(16), iv: new Uint8Array(16) }], sha256: 'js', shared: state.buffers };
  const sources = opts.order.map((index) => (index >= 5 && index <= 7 ? { index, key: 0, encoding: 'hex' as const } : { index }));
  const { columns, design } = importPlan(
    job,
    { columns: [...AAM_OUTBOUND_COLUMNS], settings: format },
    { idColumn: 'id', segmentsColumn: 'segments', removedSegmentsColumn: 'removed_segments', fields: opts.fields ?? ['first_name', 'crm_id'] },
    { sources, keepUnmatched: opts.keepUnmatched ?? true },
  );
  return { init, plan: { fieldCount: 3, columns, lineEnd: 0x0a, output: design.plan } };
}

/** A result with its buffers read as text (only their used bytes), to compare field by field. */
function readable(r: Omit<ChunkResult, 'input'>): unknown {
  return {
    ...r,
    out: Buffer.from(r.out, 0, r.outLength).toString('latin1'),
    rejects: { ...r.rejects, raw: Buffer.from(r.rejects.raw).toString('latin1') },
    ...(r.lookup ? { lookup: { ...r.lookup, ids: Buffer.from(r.lookup.ids).toString('latin1') } } : {}),
  };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const goodId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...IDS) },
  { weight: 2, arbitrary: fc.nat(1000).map((k) => sha(`stranger ${k}`)) },
  { weight: 1, arbitrary: fc.constantFrom(...IDS).map((id) => id.toUpperCase()) },
  { weight: 1, arbitrary: fc.constantFrom('zz'.repeat(32), '0'.repeat(63), 'abc', 'not-an-id', '"quoted"', 'x,y') },
);
const segments = fc.constantFrom('1234', '1234,5678', '10,20,30', '', '"q"', 'a"b', 'é1', 'x;y');
const GOOD_ENDS = ['\n', '\n', '\n', '\r\n'];
/** A clean line (every field the engine would write as it is): an ID, segments and the removed list, with a layout's separators. */
const cleanLine = (sep: string) =>
  fc.tuple(goodId, segments, fc.option(segments, { nil: undefined }), fc.constantFrom(...GOOD_ENDS), fc.constantFrom(...(sep === 'ws' ? [' ', '\t', ' \t '] : [sep]))).map(([id, segs, removed, end, s]) => {
    // With runs of whitespace an empty value is no field: such a line has its segments or is a one-field line.
    if (sep === 'ws' && segs === '') segs = '1';
    if (sep === 'ws' && removed === '') removed = undefined;
    return `${id}${s}${segs}${removed === undefined ? '' : `${s}${removed}`}${end}`;
  });
const blankLine = fc.constantFrom('\n', '   \n', '\t\n', ' \r\n', '\r\n');
/** Lines the engine rejects or reads another way: the fast path must leave the chunk to it. */
const damagedLine = (sep: string) => {
  const s = sep === 'ws' ? ' ' : sep;
  return fc.oneof(
    fc.constantFrom(`onlyanid\n`, `${IDS[0]}\n`, `a${s}b${s}c${s}d\n`, `${IDS[1]}${s}1\r2\n`, `${IDS[2]}${s}${'9'.repeat(MAX_RECORD)}\n`, `é${IDS[0].slice(1)}${s}1\n`, `${IDS[0].slice(0, 60)}\xff\xfe${s}1\n`),
    fc.constantFrom(...IDS).map((id) => `${id}${s}12\r`),
  );
};
const chunkOf = (sep: string, damaged: boolean) =>
  fc
    .tuple(
      fc.array(fc.oneof({ weight: 8, arbitrary: cleanLine(sep) }, { weight: 1, arbitrary: blankLine }, { weight: damaged ? 1 : 0, arbitrary: damagedLine(sep) }), { minLength: 1, maxLength: 60 }),
      fc.constantFrom('', '', '  ', '\r', 'tail'),
    )
    // The last line may lack its line end, or end in a CR (a CRLF cut by the end of the input).
    .map(([lines, tail]) => Buffer.from(lines.join('') + (tail === 'tail' ? `${IDS[3]}${sep === 'ws' ? ' ' : sep}77` : tail), 'latin1'));

const LAYOUTS: Array<{ name: string; separator: number; sep: string }> = [
  { name: 'runs of whitespace', separator: WHITESPACE_RUNS, sep: 'ws' },
  { name: 'TAB', separator: 0x09, sep: '\t' },
  { name: '|', separator: 0x7c, sep: '|' },
];

describe('the import fast path', () => {
  it('is taken for an import of AAM outbound lines against digest sources, and only then', () => {
    const digest = setup({ separator: WHITESPACE_RUNS, order: [0] });
    expect(LookupRows.for(digest.init, digest.plan)).toBeDefined();
    // An AES source among those tried: the engine's own path.
    const aes = setup({ separator: WHITESPACE_RUNS, order: [0, 5] });
    expect(LookupRows.for(aes.init, aes.plan)).toBeUndefined();
    // A source held as text: the fast path declines each chunk.
    const text = setup({ separator: WHITESPACE_RUNS, order: [9] });
    const rows = LookupRows.for(text.init, text.plan);
    const chunk = Buffer.from(`${IDS[0]} 1\n`);
    expect(rows?.process(chunk, chunk.length)).toBeUndefined();
    // A CSV input: the engine's own path.
    const csv = { init: { ...digest.init, format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 } }, plan: digest.plan };
    expect(LookupRows.for(csv.init, csv.plan)).toBeUndefined();
  });

  for (const layout of LAYOUTS) {
    for (const order of [[0], [2, 0, 1]]) {
      it(`${layout.name}, sources ${order.join(',')}: a clean chunk is taken, and its result is the engine's`, () => {
        const { init, plan } = setup({ separator: layout.separator, order });
        const rows = LookupRows.for(init, plan)!;
        const engine = new RecordEngine(init, plan, { fastPaths: false });
        fc.assert(
          fc.property(chunkOf(layout.sep, false), fc.boolean(), (chunk, small) => {
            // A spare buffer of 8 bytes: the rows outgrow it at once (the call resumes in a larger one).
            const fast = rows.process(chunk, chunk.length, small ? new ArrayBuffer(8) : undefined);
            expect(fast).toBeDefined();
            expect(readable(fast!)).toEqual(readable(engine.process(chunk, chunk.length)));
          }),
          { numRuns: 150, seed: 7 },
        );
      });
    }

    it(`${layout.name}: a damaged chunk gives the engine's result, its lines rejected as the engine rejects them`, () => {
      const { init, plan } = setup({ separator: layout.separator, order: [0, 1], keepUnmatched: false, fields: ['crm_id'] });
      const withFast = new RecordEngine(init, plan);
      const without = new RecordEngine(init, plan, { fastPaths: false });
      const rows = LookupRows.for(init, plan)!;
      let declined = 0;
      fc.assert(
        fc.property(chunkOf(layout.sep, true), (chunk) => {
          if (rows.process(chunk, chunk.length) === undefined) declined++;
          expect(readable(withFast.process(chunk, chunk.length))).toEqual(readable(without.process(chunk, chunk.length)));
        }),
        { numRuns: 150, seed: 8 },
      );
      // Most of those chunks hold a damaged line, left to the engine.
      expect(declined).toBeGreaterThan(50);
    });
  }

  it('a --max-record-bytes past int32 (4GiB) is no limit for the fast path: a clean chunk is still taken', () => {
    for (const maxRecordBytes of [2 ** 31, 2 ** 32]) {
      const { init, plan } = setup({ separator: WHITESPACE_RUNS, order: [0], maxRecordBytes });
      const chunk = Buffer.from(`${IDS[0]} 1,2\n${IDS[1]} 3\n`);
      const fast = LookupRows.for(init, plan)!.process(chunk, chunk.length);
      expect(fast).toBeDefined();
      expect(readable(fast!)).toEqual(readable(new RecordEngine(init, plan, { fastPaths: false }).process(chunk, chunk.length)));
    }
  });

  it('a chunk of thousands of lines, most unmatched: the unmatched list and the output grow across calls, the result is the engine\'s', () => {
    const { init, plan } = setup({ separator: 0x09, order: [1, 0] });
    const lines: string[] = [];
    for (let i = 0; i < 6000; i++) lines.push(`${i % 5 === 0 ? IDS[i % IDS.length] : sha(`n${i}`)}\t${i},${i + 1}\t${i % 3 === 0 ? '' : 'r'}\n`);
    const chunk = Buffer.from(lines.join(''));
    const fast = LookupRows.for(init, plan)!.process(chunk, chunk.length, new ArrayBuffer(1024));
    const own = new RecordEngine(init, plan, { fastPaths: false }).process(chunk, chunk.length);
    expect(fast).toBeDefined();
    expect(fast!.lookup!.unmatched).toBeGreaterThan(4000);
    expect(readable(fast!)).toEqual(readable(own));
  });
});

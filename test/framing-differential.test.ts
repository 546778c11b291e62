/**
 * Differential: the engine's records equal csv-parse's (bom, skip_empty_lines) for the
 * csv-spectrum corpus and for seeded random inputs with quotes, delimiters and line breaks in
 * fields, CRLF, a BOM, empty lines and a missing final line end, at chunk sizes and read sizes
 * small enough that boundaries fall everywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { frameRecords } from '../src/pipeline/chunker.js';
import { CsvFraming } from '../src/formats/csv/framing.js';
import { rng, runEngine } from './helpers/engine.js';

const require = createRequire(import.meta.url);
const spectrumDir = join(require.resolve('csv-spectrum/package.json'), '..', 'csvs');

function parseRecords(input: Buffer, escape = '"'): string[][] {
  return parse(input, { bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, record_delimiter: ['\r\n', '\n'], escape });
}

/** The engine's records: its output (header + accepted records) parsed back, LF-terminated. */
function engineRecords(output: Buffer, escape = '"'): string[][] {
  return parse(output, { relax_column_count: true, relax_quotes: true, record_delimiter: '\n', escape });
}

const CHUNK_SIZES = [1, 2, 3, 5, 17, 64, 1000, 1 << 20];
const READ_SIZES = [1, 3, 7, 4096];

describe('csv-spectrum corpus', () => {
  const files = readdirSync(spectrumDir).filter((f) => f.endsWith('.csv'));
  it('has the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  for (const file of files) {
    it(`${file}: records equal csv-parse's at every chunk and read size`, async () => {
      const input = readFileSync(join(spectrumDir, file));
      const expected = parseRecords(input);
      for (const chunkSize of CHUNK_SIZES) {
        for (const readSize of READ_SIZES) {
          const run = await runEngine(input, { chunkSize, readSize });
          expect(run.rejects).toEqual([]);
          expect(engineRecords(run.output)).toEqual(expected);
        }
      }
    });
  }
});

/** A random field: plain, or quoted with quotes, delimiters, LF, CRLF, lone CR and UTF-8 inside. */
function randomField(next: () => number, escape: string): string {
  const pieces = ['a', 'b', 'Zoë', 'x y', '1', '€', ',', '"', '\n', '\r\n', '\r', '\\', ' ', 'é'];
  const len = Math.floor(next() * 8);
  let raw = '';
  for (let i = 0; i < len; i++) raw += pieces[Math.floor(next() * pieces.length)];
  const special = /[",\r\n\\]/.test(raw);
  if (!special && next() < 0.8) return raw;
  if (escape === '"') return `"${raw.replaceAll('"', '""')}"`;
  return `"${raw.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function randomCsv(seed: number, escape: string): Buffer {
  const next = rng(seed);
  const cols = 1 + Math.floor(next() * 5);
  const eol = (): string => (next() < 0.3 ? '\r\n' : '\n');
  let text = next() < 0.3 ? '\ufeff' : '';
  const header = Array.from({ length: cols }, (_, i) => `c${i}`);
  text += header.join(',') + eol();
  const rows = Math.floor(next() * 40);
  for (let r = 0; r < rows; r++) {
    if (next() < 0.1) text += eol();
    const fields = Array.from({ length: cols }, () => randomField(next, escape));
    // A record whose only field is empty is an empty line: csv-parse skips it, so avoid it.
    if (cols === 1 && fields[0] === '') fields[0] = 'v';
    text += fields.join(',');
    if (r < rows - 1 || next() < 0.7) text += eol();
  }
  return Buffer.from(text);
}

describe.each([
  ['RFC 4180 (doubled quotes)', '"'],
  ['backslash escape (AEP)', '\\'],
])('seeded random inputs, %s', (_name, escape) => {
  it('records equal csv-parse at chunk sizes that split everywhere', async () => {
    let compared = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const input = randomCsv(seed, escape);
      const expected = parseRecords(input, escape);
      for (const chunkSize of [1, 4, 33, 4096]) {
        const readSize = 1 + (seed % 13);
        const run = await runEngine(input, { chunkSize, readSize, escape: escape.charCodeAt(0) });
        expect(run.rejects, `seed ${seed} chunk ${chunkSize}`).toEqual([]);
        expect(engineRecords(run.output, escape), `seed ${seed} chunk ${chunkSize}`).toEqual(expected);
        expect(run.records).toBe(expected.length - 1);
        compared++;
      }
    }
    expect(compared).toBe(600);
  });
});

describe('record framing rules', () => {
  it('keeps untouched bytes exactly, turns CRLF into LF and skips blank lines', async () => {
    const input = Buffer.from('\ufeffa,b\r\n\r\n"x ""q""",  y \r\n\n1,"2\r\n3"');
    const run = await runEngine(input, { chunkSize: 2, readSize: 1 });
    expect(run.output.toString()).toBe('a,b\n"x ""q""",  y \n1,"2\r\n3"\n');
    expect(run.blankLines).toBe(2);
    expect(run.records).toBe(2);
  });

  it('treats a lone CR as data', async () => {
    const run = await runEngine(Buffer.from('a,b\nx\ry,z\n'), { chunkSize: 1 });
    expect(run.output.toString()).toBe('a,b\nx\ry,z\n');
  });

  it('rejects a record with a different field count, with its line number', async () => {
    const run = await runEngine(Buffer.from('a,b\n1,2\n"multi\nline",3,4\n5,6\n7\n'), { chunkSize: 3 });
    expect(run.rejects).toEqual([
      { line: 3, reason: 'field_count', column: -1, record: '"multi\nline",3,4' },
      { line: 6, reason: 'field_count', column: -1, record: '7' },
    ]);
    expect(run.output.toString()).toBe('a,b\n1,2\n5,6\n');
  });

  it('rejects an unterminated quote as bad_quote covering its line, and reads on at the next line with the quote state reset', async () => {
    const lines = ['id,name', '1,ok', '2,"never closed'];
    for (let i = 3; i < 40; i++) lines.push(`${i},filler`);
    const input = Buffer.from(lines.join('\n') + '\n');
    for (const chunkSize of [1, 8, 64, 1 << 16]) {
      const run = await runEngine(input, { chunkSize, maxRecordBytes: 64 });
      expect(run.rejects, `chunk ${chunkSize}`).toEqual([{ line: 3, reason: 'bad_quote', column: -1, record: '2,"never closed' }]);
      expect(run.output.toString(), `chunk ${chunkSize}`).toBe(['id,name', '1,ok', ...lines.slice(3)].join('\n') + '\n');
      expect(run.records).toBe(39);
      expect(run.recordsOut + run.rejects.length).toBe(run.records);
    }
  });

  it("the issue's case: an unterminated quote in row 10 of 1,000 costs only row 10, at every chunk size", async () => {
    const rows = ['id,email,note'];
    for (let i = 1; i <= 1000; i++) rows.push(i === 10 ? `${i},e${i}@x.com,"never closed` : `${i},e${i}@x.com,n${i}`);
    const input = Buffer.from(rows.join('\r\n') + '\r\n');
    for (const chunkSize of [1, 100, 4096, 1 << 20]) {
      const run = await runEngine(input, { chunkSize, readSize: 1000 });
      expect(run.rejects, `chunk ${chunkSize}`).toEqual([{ line: 11, reason: 'bad_quote', column: -1, record: '10,e10@x.com,"never closed' }]);
      expect(run.recordsOut).toBe(999);
    }
  });

  it('a multi-line quoted field closed far below by a stray quote followed by junk counts as unterminated', async () => {
    // Row 3's quote never closes where it should; the quote of 40's `5'10" tall` would close it.
    const lines = ['id,note', '1,ok', '2,"open'];
    for (let i = 3; i < 60; i++) lines.push(i === 40 ? `${i},5'10" tall` : `${i},n`);
    const input = Buffer.from(lines.join('\n') + '\n');
    for (const chunkSize of [1, 7, 64, 1 << 16]) {
      const run = await runEngine(input, { chunkSize, readSize: 5 });
      expect(run.rejects, `chunk ${chunkSize}`).toEqual([{ line: 3, reason: 'bad_quote', column: -1, record: '2,"open' }]);
      expect(run.output.toString()).toBe(['id,note', '1,ok', ...lines.slice(3)].join('\n') + '\n');
    }
  });

  it('a quoted field followed by more than a delimiter on its own line is one bad_quote reject naming its column', async () => {
    for (const [escape, record] of [['"', '2,"abc"def,x'], ['"', '3,"abc" ,x'], ['\\', '2,"abc""x,y']] as const) {
      const input = Buffer.from(`id,a,b\n1,p,q\n${record}\n4,r,s\n`);
      for (const chunkSize of [1, 5, 1 << 16]) {
        const run = await runEngine(input, { chunkSize, escape: escape.charCodeAt(0) });
        expect(run.rejects, `${record} chunk ${chunkSize}`).toEqual([{ line: 3, reason: 'bad_quote', column: 1, record }]);
        expect(run.output.toString()).toBe('id,a,b\n1,p,q\n4,r,s\n');
      }
    }
  });

  it('gives up on a quote still open after the scan bound: bad_quote covering its line, memory bounded by the bound', async () => {
    // The quote of row 2 closes 30 lines below (row 32's leading quote); with a bound of 100 bytes it is given up on.
    const lines = ['id,note', '1,ok', '2,"open'];
    for (let i = 3; i < 60; i++) lines.push(i === 32 ? `${i},",x` : `${i},n${i}`);
    const input = Buffer.from(lines.join('\n') + '\n');
    for (const chunkSize of [1, 64, 150]) {
      const run = await runEngine(input, { chunkSize, scanBound: 100, readSize: 7 });
      expect(run.rejects.map((r) => [r.line, r.reason, r.record]), `chunk ${chunkSize}`).toEqual([
        [3, 'bad_quote', '2,"open'],
        // Read afresh, row 32 opens a quote that row 33's line does not close either.
        [33, 'bad_quote', '32,",x'],
      ]);
      expect(run.recordsOut + run.rejects.length).toBe(run.records);
      expect(run.records).toBe(59);
    }
    // Without the bound the quote closes and the record (rows 2-32) is one field_count reject.
    const run = await runEngine(input, { chunkSize: 64 });
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[3, 'field_count']]);
  });

  it('buffers no more than about the scan bound for a quote that never closes', async () => {
    const input = Buffer.from(`id,note\n1,"open\n${'2,filler line\n'.repeat(20_000)}`);
    let largest = 0;
    const allocate = (size: number): ArrayBuffer => {
      largest = Math.max(largest, size);
      return new ArrayBuffer(size);
    };
    async function* reads(): AsyncGenerator<Buffer> {
      for (let i = 0; i < input.length; i += 4096) yield input.subarray(i, i + 4096);
    }
    const dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };
    const kinds: string[] = [];
    for await (const item of frameRecords(reads(), { framing: new CsvFraming(dialect), chunkSize: 1 << 10, maxRecordBytes: 1 << 10, scanBound: 64 << 10, allocate })) {
      kinds.push(item.kind === 'reject' ? item.reason : item.kind);
    }
    expect(input.length).toBeGreaterThan(250_000);
    expect(kinds.filter((k) => k === 'bad_quote')).toHaveLength(1);
    expect(largest).toBeLessThanOrEqual(2 * (64 << 10) + 2 * 4096);
  });

  it('frames a 3 MB line of 750,000 quoted fields as one record_too_large (each byte searched once, not once a read)', async () => {
    const input = Buffer.concat([Buffer.from('h1,h2\n'), Buffer.from('"a",'.repeat(750_000)), Buffer.from('x\n1,2\n')]);
    const run = await runEngine(input, { chunkSize: 1 << 16, readSize: 1 << 16 });
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[2, 'record_too_large']]);
    expect(run.output.toString()).toBe('h1,h2\n1,2\n');
  }, 30_000);

  it('gives up on a line longer than the scan bound with no line end in it: record_too_large, reading on after it', async () => {
    const input = Buffer.from(`id,note\n1,ok\n2,${'x'.repeat(5000)}\n3,ok\n`);
    for (const chunkSize of [1, 64, 100_000]) {
      const run = await runEngine(input, { chunkSize, scanBound: 1000, maxRecordBytes: 100, readSize: 100 });
      expect(run.rejects.map((r) => [r.line, r.reason, r.record.length]), `chunk ${chunkSize}`).toEqual([[3, 'record_too_large', 5002]]);
      expect(run.output.toString()).toBe('id,note\n1,ok\n3,ok\n');
    }
  });

  it("the issue's case: a 1.5 MB quoted multi-line note in row 4 of 30 is one record_too_large reject, the rows after it are read", async () => {
    const note = Array.from({ length: 4618 }, (_, i) => `line ${i} of a long note, "quoted" words`.padEnd(330, '.')).join('\n');
    const rows = ['id,email,note'];
    for (let i = 1; i <= 30; i++) rows.push(i === 4 ? `${i},e${i}@x.com,"${note.replaceAll('"', '""')}"` : `${i},e${i}@x.com,n${i}`);
    const input = Buffer.from(rows.join('\n') + '\n');
    expect(input.length).toBeGreaterThan(1_500_000);
    for (const chunkSize of [1 << 16, 1 << 20, 4 << 20]) {
      const run = await runEngine(input, { chunkSize, readSize: 1 << 16 });
      expect(run.rejects.map((r) => [r.line, r.reason]), `chunk ${chunkSize}`).toEqual([[5, 'record_too_large']]);
      expect(run.recordsOut).toBe(29);
      expect(run.output.toString().split('\n').slice(4, 6)).toEqual(['5,e5@x.com,n5', '6,e6@x.com,n6']);
    }
  });

  it('reads CR-only line ends (Excel for Mac) and writes LF; an LF outside quotes there is bad_line_end', async () => {
    const input = Buffer.from('id,email\r1,a@x.com\r\r2,"b\rc"\r3,x\ny\r4,d@x.com');
    for (const chunkSize of [1, 4, 1 << 16]) {
      const run = await runEngine(input, { chunkSize, readSize: 3 });
      expect(run.output.toString()).toBe('id,email\n1,a@x.com\n2,"b\rc"\n4,d@x.com\n');
      expect(run.rejects).toEqual([{ line: 6, reason: 'bad_line_end', column: -1, record: '3,x\ny' }]);
      expect(run.blankLines).toBe(1);
    }
  });

  it('stops at a header that runs past a line end (quoted or escaped): its records would be copied in clear', async () => {
    for (const [escape, text] of [['\\', 'id,email,note\\\n1,a@b.c,x\n2,c@d.e,y\n'], ['"', 'id,"email\n1",a@b.c\n2,c@d.e\n']] as const) {
      for (const readSize of [1, 4096]) {
        await expect(runEngine(Buffer.from(text), { chunkSize: 16, readSize, escape: escape.charCodeAt(0) }), text).rejects.toMatchObject({ code: 'ERR_BAD_HEADER' });
      }
    }
  });

  it('a header that does not end within --max-record-bytes fails the same way whatever the read size', async () => {
    const text = '"id,email,phone,crm,note\n0,"",(415) 555-2000,CRM-0,"12"" pizza"\n1,x,y,"CRM-1","5\'10"" tall"\n2,u@e.com,1,,"a,b"\n';
    for (const readSize of [1, 7, 4096]) {
      await expect(runEngine(Buffer.from(text), { chunkSize: 1, readSize, maxRecordBytes: 60 })).rejects.toMatchObject({
        code: 'ERR_HEADER_TOO_LARGE',
        message: expect.stringMatching(/a quote opened at byte 1 of the header runs past a line end/),
      });
    }
  });

  it('rejects a long but well-framed record as too large', async () => {
    const long = 'x'.repeat(200);
    for (const chunkSize of [1, 64, 1 << 16]) {
      const run = await runEngine(Buffer.from(`a,b\n1,${long}\n2,y\n`), { chunkSize, maxRecordBytes: 100 });
      expect(run.rejects).toEqual([{ line: 2, reason: 'record_too_large', column: -1, record: `1,${long}` }]);
      expect(run.output.toString()).toBe('a,b\n2,y\n');
    }
  });
});

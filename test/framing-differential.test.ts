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

  it('rejects an unterminated quote as too large and resumes at the next line break past the limit', async () => {
    const lines = ['id,name', '1,ok', '2,"never closed'];
    for (let i = 3; i < 40; i++) lines.push(`${i},filler`);
    const input = Buffer.from(lines.join('\n') + '\n');
    for (const chunkSize of [1, 8, 64, 1 << 16]) {
      const run = await runEngine(input, { chunkSize, maxRecordBytes: 64 });
      expect(run.rejects.length, `chunk ${chunkSize}`).toBe(1);
      expect(run.rejects[0]).toMatchObject({ line: 3, reason: 'record_too_large', column: -1 });
      const out = run.output.toString().split('\n');
      // Reading resumed on a record boundary: every later record is whole and in order.
      const resumed = out.slice(2).filter(Boolean);
      expect(resumed.length).toBeGreaterThan(20);
      for (const rec of resumed) expect(rec).toMatch(/^\d+,filler$/);
      expect(Number(resumed.at(-1)!.split(',')[0])).toBe(39);
      // Every record is accounted for.
      expect(run.recordsOut + run.rejects.length).toBe(run.records);
    }
  });

  it('rejects a long but well-framed record as too large', async () => {
    const long = 'x'.repeat(200);
    const run = await runEngine(Buffer.from(`a,b\n1,${long}\n2,y\n`), { chunkSize: 1 << 16, maxRecordBytes: 100 });
    expect(run.rejects).toEqual([{ line: 2, reason: 'record_too_large', column: -1, record: `1,${long}` }]);
    expect(run.output.toString()).toBe('a,b\n2,y\n');
  });
});

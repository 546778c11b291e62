/**
 * Differential through the built CLI and the real worker pool: for the csv-spectrum corpus and
 * seeded random inputs, the records written equal csv-parse's; for seeded inputs with stray
 * quotes, backslash escapes and CR-only line ends, every field read (every column hashed) equals
 * Python csv's; with 1 and 3 workers and chunk sizes small enough that every chunk boundary falls
 * inside records.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { rng } from './helpers/engine.js';
import { pythonRecords, sha256Field } from './helpers/python-csv.js';
import { strayCsv } from './helpers/stray-csv.js';

const require = createRequire(import.meta.url);
const spectrumDir = join(require.resolve('csv-spectrum/package.json'), '..', 'csvs');

const expected = (input: Buffer): string[][] => parse(input, { bom: true, skip_empty_lines: true, relax_quotes: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] });
const written = (output: Buffer): string[][] => parse(output, { relax_quotes: true, relax_column_count: true, record_delimiter: '\n' });

function randomCsv(seed: number): Buffer {
  const next = rng(seed);
  const pieces = ['a', 'Zoë', 'x y', ',', '""', '\n', '\r\n', '\r', '1', 'é'];
  const field = (): string => {
    let raw = '';
    for (let i = Math.floor(next() * 6); i > 0; i--) raw += pieces[Math.floor(next() * pieces.length)];
    return /[",\r\n]/.test(raw) || next() < 0.2 ? `"${raw.replaceAll('"', '""')}"` : raw;
  };
  let text = '\ufeffc0,c1,c2\r\n';
  for (let r = 0; r < 400; r++) {
    if (next() < 0.05) text += '\n';
    text += `${field()},${field()},${field()}${next() < 0.5 ? '\r\n' : '\n'}`;
  }
  return Buffer.from(text + 'last,"no",end');
}

describe.each([1, 3])('%i worker(s)', (workers) => {
  it('csv-spectrum: records equal csv-parse', async () => {
    for (const file of readdirSync(spectrumDir).filter((f) => f.endsWith('.csv'))) {
      const input = readFileSync(join(spectrumDir, file));
      for (const chunk of ['1', '7']) {
        const res = await runCli(['process', '--passthrough', '--workers', String(workers), '--chunk-size', chunk], { input });
        expect(res.code, `${file}: signal ${res.signal}, stderr ${res.stderr.slice(-2000)}`).toBe(0);
        expect(written(res.stdout), `${file} chunk ${chunk}`).toEqual(expected(input));
      }
    }
  });

  it('seeded random inputs: records equal csv-parse', async () => {
    for (const seed of [1, 2, 3]) {
      const input = randomCsv(seed);
      const res = await runCli(['process', '--passthrough', '--workers', String(workers), '--chunk-size', String(3 + seed * 11)], { input });
      expect(res.code, `seed ${seed}: signal ${res.signal}, stderr ${res.stderr.slice(-2000)}`).toBe(0);
      const records = written(res.stdout);
      expect(records).toEqual(expected(input));
      expect(records.length).toBeGreaterThan(300);
    }
  });
});

const STRAY = [
  { escape: '"', lineEnds: 'lf', seed: 11 },
  { escape: '"', lineEnds: 'cr', seed: 12 },
  { escape: '\\', lineEnds: 'lf', seed: 13 },
  { escape: '\\', lineEnds: 'cr', seed: 14 },
] as const;
const strayInputs = STRAY.map((s) => strayCsv(s.seed, s.escape, s.lineEnds, 400));
const strayOracle: string[][][] = [];

beforeAll(() => {
  // One python3 process per dialect for the whole file.
  for (const escape of ['"', '\\'] as const) {
    const idx = STRAY.flatMap((s, i) => (s.escape === escape ? [i] : []));
    const records = pythonRecords(idx.map((i) => strayInputs[i]), escape);
    idx.forEach((i, k) => (strayOracle[i] = records[k]));
  }
});

describe.each([1, 3])('stray quotes, %i worker(s): fields equal Python csv', (workers) => {
  it.each(STRAY.map((s, i) => [`${s.escape === '"' ? 'RFC 4180' : 'backslash'} ${s.lineEnds}`, i] as const))('%s', async (_name, i) => {
    const [header, ...records] = strayOracle[i];
    expect(records.length).toBeGreaterThan(100);
    const hashAll = header.flatMap((name) => ['--hash', `${name}=sha256`]);
    for (const chunk of ['5', '4KiB']) {
      const res = await runCli(['process', '--workers', String(workers), '--chunk-size', chunk, '--escape', STRAY[i].escape, ...hashAll], { input: strayInputs[i] });
      expect(res.code, `signal ${res.signal}, stderr ${res.stderr.slice(-2000)}`).toBe(0);
      const lines = res.stdout.toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines[0]).toBe(header.join(','));
      expect(lines.slice(1)).toEqual(records.map((r) => r.map(sha256Field).join(',')));
    }
  });
});

/**
 * The record engine's own promises (issue 10): per-record output offsets that later stages can
 * cut the output by, several AES keys in one run, and the one e-mail rule of the worker.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runEngine, rng } from './helpers/engine.js';
import { lowerEmailInto } from '../src/transforms/identity.js';
import { RecordEngine } from '../src/worker/record-engine.js';

const isValidEmail = (b: Buffer, s: number, e: number): boolean => lowerEmailInto(b, s, e, Buffer.alloc(b.length), 0);

const KEY_A = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const KEY_B = Buffer.from('f0e0d0c0b0a090807060504030201000f0e0d0c0b0a09080', 'hex');
const IV_A = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const IV_B = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const KEYS = [{ key: KEY_A, iv: IV_A }, { key: KEY_B, iv: IV_B }];

/** Seeded CSV with quoted fields (delimiters, quotes, line breaks inside), CRLF, blank lines and bad rows. */
function messyCsv(seed: number, rows: number): Buffer {
  const next = rng(seed);
  const values = ['plain', 'a@b.example', '"with, comma"', '"two\nlines"', '"say ""hi"""', '', ' pad ', 'ünï'];
  const lines = ['id,email,note'];
  for (let i = 0; i < rows; i++) {
    const pick = (): string => values[Math.floor(next() * values.length)];
    const fields = next() < 0.05 ? [String(i), pick()] : [String(i), pick(), pick()];
    lines.push(fields.join(','));
    if (next() < 0.05) lines.push('');
  }
  const eol = seed % 2 === 0 ? '\r\n' : '\n';
  return Buffer.from(lines.join(eol) + eol);
}

/** Cuts every chunk's output at its recordEnds: each piece must be one whole record, in order. */
function piecesByRecordEnds(run: Awaited<ReturnType<typeof runEngine>>): Buffer[] {
  const pieces: Buffer[] = [];
  for (const c of run.chunks) {
    expect(c.recordEnds!.length).toBe(c.recordsOut);
    let from = 0;
    for (const end of c.recordEnds!) {
      expect(end).toBeGreaterThan(from);
      pieces.push(c.output.subarray(from, end));
      from = end;
    }
    expect(from).toBe(c.output.length);
  }
  return pieces;
}

describe('per-record output offsets (ChunkResult.recordEnds)', () => {
  for (const seed of [1, 2, 3, 4]) {
    for (const chunkSize of [1, 97, 4096]) {
      it(`cut the output into its records, one each (seed ${seed}, chunk size ${chunkSize})`, async () => {
        const input = messyCsv(seed, 300);
        const run = await runEngine(input, {
          chunkSize,
          columns: (h) => [
            { index: h.indexOf('email'), name: 'email', op: 'sha256' },
            { index: h.indexOf('note'), name: 'note', op: 'encrypt', params: { key: 1, encoding: 'base64' } },
          ],
          init: { keys: KEYS },
        });
        const pieces = piecesByRecordEnds(run);
        const records = parse(run.output, { from_line: 2 }) as string[][];
        expect(pieces.length).toBe(records.length);
        expect(pieces.length).toBe(run.recordsOut);
        pieces.forEach((piece, i) => expect(parse(piece), `record ${i}`).toEqual([records[i]]));
        // And the values that must be quoted on the way back out (decrypted commas, quotes, line breaks).
        const back = await runEngine(run.output, { chunkSize, columns: (h) => [{ index: h.indexOf('note'), name: 'note', op: 'decrypt', params: { key: 1, encoding: 'base64' } }], init: { keys: KEYS } });
        const backPieces = piecesByRecordEnds(back);
        const backRecords = parse(back.output, { from_line: 2 }) as string[][];
        expect(backPieces.length).toBe(backRecords.length);
        backPieces.forEach((piece, i) => expect(parse(piece), `record ${i}`).toEqual([backRecords[i]]));
        const original = (parse(input, { from_line: 2, relax_column_count: true }) as string[][]).filter((r) => r.length === 3);
        expect(backRecords.map((r) => r[2])).toEqual(original.map((r) => r[2].trim()));
      });
    }
  }
});

describe('per-record output offsets only when the plan asks', () => {
  it('a plan without recordEnds gets none, with the same output and counts', () => {
    const input = Buffer.from('x@y.example,1\n"a, b",2\nbad\n');
    const columns = [{ index: 0, name: 'email', op: 'sha256' as const, params: {} }];
    const init = { format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 }, maxRecordBytes: 1 << 20, keys: [], sha256: 'native' as const };
    const without = new RecordEngine(init, { fieldCount: 2, columns, lineEnd: 0x0a }).process(input, input.length);
    const withEnds = new RecordEngine(init, { fieldCount: 2, columns, lineEnd: 0x0a, recordEnds: true }).process(input, input.length);
    expect(without.recordEnds).toBeUndefined();
    expect(Array.from(withEnds.recordEnds!)).toEqual([67, 134]);
    expect(Buffer.from(without.out, 0, without.outLength).equals(Buffer.from(withEnds.out, 0, withEnds.outLength))).toBe(true);
    expect([without.recordsOut, without.records, without.rejects.count]).toEqual([2, 3, 1]);
  });
});

describe('several AES keys in one run', () => {
  it('each column is encrypted with the key its params name, and decrypts with that key only', async () => {
    const input = Buffer.from('a,b\nsame value,same value\n');
    const cols = (op: 'encrypt' | 'decrypt', ka: number, kb: number) => (h: string[]) => [
      { index: h.indexOf('a'), name: 'a', op, params: { key: ka, encoding: 'hex' as const } },
      { index: h.indexOf('b'), name: 'b', op, params: { key: kb, encoding: 'hex' as const } },
    ];
    const enc = await runEngine(input, { chunkSize: 1 << 16, columns: cols('encrypt', 0, 1), init: { keys: KEYS } });
    const [a, b] = enc.output.toString().split('\n')[1].split(',');
    expect(a).not.toBe(b);
    const dec = await runEngine(enc.output, { chunkSize: 1 << 16, columns: cols('decrypt', 0, 1), init: { keys: KEYS } });
    expect(dec.output.toString()).toBe('a,b\nsame value,same value\n');
    const swapped = await runEngine(enc.output, { chunkSize: 1 << 16, columns: cols('decrypt', 1, 0), init: { keys: KEYS } });
    expect(swapped.rejects.map((r) => r.reason)).toEqual(['bad_ciphertext']);
  });
});

describe('a plan the worker cannot run', () => {
  it('is a coded internal error, never a bare one (the main side sends only what it validated)', () => {
    const init = { format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 }, maxRecordBytes: 1 << 20, keys: [], sha256: 'js' as const };
    const plan = (op: string, params = {}) => ({ fieldCount: 1, lineEnd: 0x0a, columns: [{ index: 0, name: 'a', op: op as 'sha256', params }] });
    expect(() => new RecordEngine(init, plan('encrypt', { key: 0 }))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL', message: 'an AES transform needs a key and an IV' }));
    expect(() => new RecordEngine(init, plan('rot13'))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => new RecordEngine({ ...init, format: { name: 'tsv' } }, plan('sha256'))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('the e-mail rule on bytes', () => {
  it("treats exactly JavaScript's \\s as whitespace, in ASCII and in UTF-8", () => {
    for (let cp = 1; cp < 0x10000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCharCode(cp);
      const text = `a${ch}b@c.example`;
      const want = !/\s/.test(ch) && ch !== '@';
      const bytes = Buffer.from(text, 'utf8');
      expect(isValidEmail(bytes, 0, bytes.length), `U+${cp.toString(16)}`).toBe(want);
    }
  });

  it('wants one @ with something on both sides', () => {
    const ok = (t: string): boolean => isValidEmail(Buffer.from(t), 0, Buffer.byteLength(t));
    expect(['a@b', 'ü@exämple.de'].map(ok)).toEqual([true, true]);
    expect(['@b', 'a@', 'a@b@c', 'ab', ''].map(ok)).toEqual([false, false, false, false, false]);
  });
});

/**
 * Differential against Python's csv module (issue #8, "Quotes are only quotes where they open a
 * field"): for seeded inputs with stray quotes, the backslash dialect's escapes outside quotes,
 * LF / CRLF / CR line ends, and for the issue's own cases, every field the engine reads (every
 * column hashed with `sha256`) equals Python's field, at chunk and read sizes that put
 * boundaries everywhere. One python3 process reads the whole batch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Op } from '../src/protocol/messages.js';
import { runEngine } from './helpers/engine.js';
import { pythonRecords, sha256Field } from './helpers/python-csv.js';
import { strayCsv, type LineEnds } from './helpers/stray-csv.js';

type Escape = '"' | '\\';
interface Case { readonly name: string; readonly escape: Escape; readonly input: Buffer }

const fixed = (name: string, escape: Escape, text: string): Case => ({ name, escape, input: Buffer.from(text) });

const FIXED: Case[] = [
  fixed("the issue's notes: 5'10\" tall and 6'2\" tall", '"', [
    'id,email,phone,note', '1,a1@x.com,+14155552671,', '2,a2@x.com,+14155552672,', '3,a3@x.com,+14155552673,', '4,a4@x.com,+14155552674,',
    `5,a5@x.com,+14155552675,5'10" tall`, '6,a6@x.com,+14155552676,', '7,a7@x.com,+14155552677,', `8,a8@x.com,+14155552678,6'2" tall`, '9,a9@x.com,+14155552679,',
  ].join('\n') + '\n'),
  fixed('12" pizza, a quote after a delimiter opening a field', '"', 'a,b\n12" pizza,"x, ""y"""\nq"",z\n'),
  fixed('backslash: an escaped quote outside quotes', '\\', 'a,b\nx\\"y,z\n'),
  fixed('backslash: an escaped quote at a field start', '\\', 'a,b\n\\"q",z\n'),
  fixed('backslash: an escaped delimiter outside quotes', '\\', 'a,b\nx\\,y,z\n'),
  fixed('backslash: an escaped LF outside quotes continues the record', '\\', 'a,b\nx\\\ny,z\nq,r\n'),
  fixed('backslash: an escaped CR before LF is data, the LF ends the record', '\\', 'a,b\r\nx,y\\\r\nq,r\r\n'),
  fixed('backslash: an escaped backslash, then a literal quote', '\\', 'a,b\nx\\\\"y,z\n'),
  fixed('backslash: escapes inside quotes', '\\', 'a,b\n"x\\"y\\\\",z\n'),
  fixed('CR-only line ends (Excel for Mac)', '"', 'id,email\r1,a@x.com\r2,"b\rc@x.com"\r\r3,c@x.com'),
  fixed('CR-only line ends, backslash dialect', '\\', 'id,email\r1,a\\"b\r2,"x\\"\r"\r'),
  fixed('CR-only line ends, backslash dialect: an escaped CR continues the record', '\\', 'a,b\rx\\\ry,z\rq,r\r'),
];

const SEEDED: Case[] = [];
for (const escape of ['"', '\\'] as const) {
  for (const lineEnds of ['lf', 'cr'] as LineEnds[]) {
    for (let seed = 1; seed <= 60; seed++) SEEDED.push({ name: `seed ${seed} ${lineEnds}`, escape, input: strayCsv(seed * 7 + (escape === '"' ? 0 : 1000) + (lineEnds === 'lf' ? 0 : 500), escape, lineEnds) });
  }
}

const CHUNK_SIZES = [1, 2, 3, 5, 17, 64, 1000, 1 << 20];
const oracle = new Map<Case, string[][]>();

beforeAll(() => {
  for (const escape of ['"', '\\'] as const) {
    const cases = [...FIXED, ...SEEDED].filter((c) => c.escape === escape);
    const records = pythonRecords(cases.map((c) => c.input), escape);
    cases.forEach((c, i) => oracle.set(c, records[i]));
  }
});

const hashEverything = (header: string[]) => header.map((name, index) => ({ index, name, op: Op.Sha256 }));

async function expectPythonFields(c: Case, chunkSizes: readonly number[], readSize: number): Promise<void> {
  const [header, ...records] = oracle.get(c)!;
  const expected = records.map((r) => r.map(sha256Field).join(','));
  for (const chunkSize of chunkSizes) {
    const run = await runEngine(c.input, { chunkSize, readSize, escape: c.escape.charCodeAt(0), columns: hashEverything });
    const where = `${c.name}, chunk ${chunkSize}, read ${readSize}`;
    expect(run.header, where).toEqual(header);
    expect(run.rejects, where).toEqual([]);
    expect(run.records, where).toBe(records.length);
    const lines = run.output.toString('utf8').split('\n');
    expect(lines.pop(), where).toBe('');
    expect(lines.slice(1), where).toEqual(expected);
  }
}

describe('fields equal Python csv', () => {
  for (const c of FIXED) {
    it(`${c.name} (${c.escape === '"' ? 'RFC 4180' : 'backslash'})`, async () => {
      for (const readSize of [1, 3, 4096]) await expectPythonFields(c, CHUNK_SIZES, readSize);
    });
  }

  it.each([
    ['RFC 4180', '"'],
    ['backslash', '\\'],
  ])('seeded inputs with stray quotes, %s, LF/CRLF and CR line ends, at every chunk size', async (_name, escape) => {
    const cases = SEEDED.filter((c) => c.escape === escape);
    let records = 0;
    for (const [i, c] of cases.entries()) {
      await expectPythonFields(c, CHUNK_SIZES, 1 + (i % 13));
      records += oracle.get(c)!.length - 1;
    }
    expect(cases.length).toBe(120);
    // The oracle read real records, not empty files.
    expect(records).toBeGreaterThan(2500);
  });
});

describe('the decrypt pre-pass frames records as the main pass does', () => {
  const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const IV = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  it('seeded inputs with stray quotes: encrypt c0, decrypt it back, and every field equals Python csv', async () => {
    const cases = SEEDED.filter((c) => c.name.endsWith('lf')).slice(0, 40);
    for (const [i, c] of cases.entries()) {
      const escape = c.escape.charCodeAt(0);
      const init = { aesKey: KEY, aesIv: IV };
      const chunkSize = [1, 7, 4096][i % 3];
      const op = (o: number) => (header: string[]) => [{ index: 0, name: header[0], op: o as never }];
      const enc = await runEngine(c.input, { chunkSize, escape, columns: op(Op.Encrypt), init });
      const dec = await runEngine(enc.output, { chunkSize, escape, columns: op(Op.Decrypt), init });
      expect(enc.rejects, c.name).toEqual([]);
      expect(dec.rejects, c.name).toEqual([]);
      const hashed = await runEngine(dec.output, { chunkSize, escape, columns: hashEverything });
      const [, ...records] = oracle.get(c)!;
      expect(hashed.output.toString('utf8').split('\n').slice(1, -1), c.name).toEqual(records.map((r) => r.map(sha256Field).join(',')));
    }
  });
});

/**
 * AEP CSV through the built CLI: AEP in, AEP out byte-identical with no transform (a BOM dropped,
 * CRLF line ends as LF); CSV in, AEP out read back by csv-parse with escape '\\' giving the input
 * values (seeded property); 1 and 2 workers byte-identical; malformed input (quotes in odd
 * places, CR line ends, invalid UTF-8).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli, tempDir } from './helpers/cli.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('ap-aep-')));
afterAll(() => cleanup());

const write = (name: string, bytes: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** An AEP export's field: quoted only when needed, \" and \\ inside, empty as "". */
const aepField = (v: string): string => (v === '' ? '""' : /[,"\\\r\n]/.test(v) ? `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : v);

describe('AEP in, AEP out, nothing changed', () => {
  it('is byte-identical to the input apart from the BOM and CRLF line ends, with 1 and 2 workers', async () => {
    const rows = [
      ['ecid', 'email', 'note', 'segmentMembershipStatus'],
      ['12345678901234567890123456789012345678', 'a@x.org', 'say "hi"', 'realized'],
      ['2', '', 'back\\slash, comma', 'exited'],
      ['3', 'c@x.org', 'two\r\nlines', 'realized'],
      ['4', 'd@x.org', 'Zoë €', 'realized'],
    ];
    const body = rows.map((r) => r.map(aepField).join(',')).join('\r\n') + '\r\n';
    const file = write('export.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    const expected = rows.map((r) => r.map(aepField).join(',')).join('\n') + '\n';
    for (const workers of ['1', '2']) {
      const run = await runCli(['process', '--in', file, '--from', 'aep-csv', '--to', 'aep-csv', '--passthrough', '--workers', workers, '--chunk-size', '32']);
      expect(run.code).toBe(0);
      expect(run.stdout.toString()).toBe(expected);
    }
  });

  it('copies untouched fields as they are while a transformed one is rewritten', async () => {
    const file = write('hash.csv', 'email,note\r\nA@x.org,"odd \\"quote\\""\r\n,\r\n');
    const run = await runCli(['process', '--in', file, '--from', 'aep-csv', '--hash', 'email=email_lc_sha256', '--log-level', 'error']);
    expect(run.code).toBe(0);
    // The empty e-mail is not hashed and is written as AEP writes empty: "". The empty note was unquoted: copied as it is.
    expect(run.stdout.toString()).toBe(`email,note\n${createHash('sha256').update('a@x.org').digest('hex')},"odd \\"quote\\""\n"",\n`);
  });
});

describe('CSV in, AEP out', () => {
  it('read back by csv-parse (escape \\) gives the input values, with 1 and 2 workers alike (seeded property)', async () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'Z', 'é', '€', ',', '"', '\\', '\n', '\r\n', ' ', '1', "'"), maxLength: 10 });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 200 }), async (rows) => {
        const csvField = (v: string): string => (v === '' || /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
        const file = write(`p${n++}.csv`, ['a,b,c', ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n');
        const one = await runCli(['process', '--in', file, '--to', 'aep-csv', '--workers', '1', '--chunk-size', '128', '--log-level', 'error']);
        const two = await runCli(['process', '--in', file, '--to', 'aep-csv', '--workers', '2', '--chunk-size', '128', '--log-level', 'error']);
        expect(one.code).toBe(0);
        expect(one.stdout.equals(two.stdout)).toBe(true);
        const back = parse(one.stdout, { escape: '\\', record_delimiter: '\n' }) as string[][];
        expect(back).toEqual([['a', 'b', 'c'], ...rows]);
      }),
      { seed: 20261202, numRuns: 6 },
    );
  });

  it('handles malformed input: a quote inside an unquoted field, a quote after a quoted field, CR line ends, invalid UTF-8', async () => {
    const lf = write('odd.csv', Buffer.concat([Buffer.from('h,w\n5\'10" tall,x\n"abc"def,y\nok,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    const rejects = join(dir, 'odd.rej.csv');
    const run = await runCli(['process', '--in', lf, '--to', 'aep-csv', '--rejects', rejects, '--max-rejects', 'none', '--log-format', 'json']);
    expect(run.code).toBe(0);
    // The stray quote is data and needs quoting in AEP; the bytes that are not UTF-8 travel untouched (no op reads them).
    expect(run.stdout.equals(Buffer.concat([Buffer.from('h,w\n"5\'10\\" tall",x\nok,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]))).toBe(true);
    expect(logLines(run.stderr).find((l) => l.event === 'summary')).toMatchObject({ recordsIn: 3, recordsOut: 2, rejectReasons: { bad_quote: 1 } });
    const cr = write('cr.csv', 'h,w\r1,"a\rb"\r2,c\r');
    const crRun = await runCli(['process', '--in', cr, '--to', 'aep-csv', '--log-level', 'error']);
    expect(crRun.code).toBe(0);
    expect(crRun.stdout.toString()).toBe('h,w\n1,"a\rb"\n2,c\n');
  });
});

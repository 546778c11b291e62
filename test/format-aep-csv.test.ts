/**
 * `--from aep-csv` on the hand-written AEP export (fixtures/aep/segment-export.csv: a BOM, CRLF,
 * `\"` and `\\` escapes, quoted line breaks) and on malformed exports, through the built CLI:
 * the records csv-parse reads (escape `\`, bom), a header without the BOM, hashed columns, the
 * rejects with their line, column and reason, and the exit codes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FIXTURE = join(ROOT, 'fixtures', 'aep', 'segment-export.csv');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const tmp = tempDir('ap-aep-');
afterAll(() => tmp.cleanup());
let n = 0;

async function run(input: Buffer | string, args: string[]) {
  const k = n++;
  const inPath = typeof input === 'string' ? input : join(tmp.dir, `in-${k}.csv`);
  if (typeof input !== 'string') writeFileSync(inPath, input);
  const rejects = join(tmp.dir, `rejects-${k}.csv`);
  const report = join(tmp.dir, `report-${k}.json`);
  const res = await runCli(['process', '--from', 'aep-csv', '--in', inPath, '--rejects', rejects, '--report', report, ...args]);
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { code: res.code, stdout: res.stdout, stderr: res.stderr, rejects: read(rejects), report: JSON.parse(read(report) || '{}') };
}

describe('the AEP export fixture', () => {
  const fixture = readFileSync(FIXTURE);
  const reference = parse(fixture, { escape: '\\', bom: true, columns: true }) as Record<string, string>[];

  it('is what the fixture says it is: a BOM, CRLF, backslash escapes, quoted line breaks', () => {
    expect(fixture.subarray(0, 3).equals(BOM)).toBe(true);
    expect(fixture.toString('utf8')).toContain('\\"see you at 5\\"');
    expect(reference.map((r) => r.loyalty_note)).toEqual(['He said "see you at 5"', 'first line\r\nsecond line', 'C:\\exports\\aep', 'a "quoted"\nnote, on two lines', 'plain']);
  });

  it('--passthrough: the records csv-parse reads, the header without its BOM, the bytes as they came but LF record ends', async () => {
    for (const [workers, chunk] of [['1', '1'], ['2', '64'], ['2', '1MiB']]) {
      const r = await run(FIXTURE, ['--passthrough', '--workers', workers, '--chunk-size', chunk]);
      expect(r.code).toBe(0);
      expect(r.stdout.subarray(0, 17).toString()).toBe('identityMap_ECID,');
      expect(parse(r.stdout, { escape: '\\', columns: true })).toEqual(reference);
      // Only the BOM and the CRLF that end records change: the CRLF inside a quoted note stays.
      const text = fixture.subarray(3).toString('utf8');
      expect(r.stdout.toString('utf8')).toBe(text.replace(/(realized|exited|segmentMembershipStatus)\r\n/g, '$1\n'));
      expect(r.report.recordsIn).toBe(5);
      expect(r.report.recordsOut).toBe(5);
    }
  });

  it('--hash personalEmail_address=email_lc_sha256: the hashed column by its name (no BOM in it), the others untouched', async () => {
    const r = await run(FIXTURE, ['--hash', 'personalEmail_address=email_lc_sha256', '--hash', 'identityMap_ECID=sha256']);
    expect(r.code).toBe(0);
    const out = parse(r.stdout, { escape: '\\', columns: true }) as Record<string, string>[];
    expect(out.map((o) => o.personalEmail_address)).toEqual([
      // DOMAIN.md's vector for johndoe@example.com.
      '55e79200c1635b37ad31a378c39feb12f120f116625093a19bc32fff15041149',
      // '  JaneDoe@Example.COM ' trimmed and lowercased.
      sha('janedoe@example.com'),
      '',
      sha('max@example.org'),
      sha('sam@example.net'),
    ]);
    expect(out.map((o) => o.identityMap_ECID)).toEqual(reference.map((o) => sha(o.identityMap_ECID)));
    expect(out.map((o) => o.loyalty_note)).toEqual(reference.map((o) => o.loyalty_note));
    // The report names the columns as the header does, the first without a BOM.
    expect(Object.keys(r.report.columns)).toEqual(['identityMap_ECID', 'personalEmail_address']);
    expect(r.report.columns.personalEmail_address).toMatchObject({ hashed: 4, empty: 1 });
  });

  it('--id-type identityMap_ECID=ecid: every ECID of the fixture is 38 digits', async () => {
    const r = await run(FIXTURE, ['--id-type', 'identityMap_ECID=ecid']);
    expect(r.code).toBe(0);
    expect(r.report.columns.identityMap_ECID).toMatchObject({ validated: 5, invalid: 0 });
  });
});

describe('an AEP export split in parts (name.csv, name_2.csv)', () => {
  it('read as a directory: one header kept, each part with its BOM and CRLF, the records of both in order', async () => {
    const dir = join(tmp.dir, 'split');
    mkdirSync(dir);
    writeFileSync(join(dir, 'seg_20260101.csv'), Buffer.concat([BOM, Buffer.from('email,note\r\na@b.example,"x \\"1\\""\r\n')]));
    writeFileSync(join(dir, 'seg_20260101_2.csv'), Buffer.concat([BOM, Buffer.from('email,note\r\nc@d.example,"two\r\nlines"\r\n')]));
    const r = await run(`${dir}/`, ['--hash', 'email=email_lc_sha256']);
    expect(r.code).toBe(0);
    expect(parse(r.stdout, { escape: '\\', columns: true })).toEqual([
      { email: sha('a@b.example'), note: 'x "1"' },
      { email: sha('c@d.example'), note: 'two\r\nlines' },
    ]);
    expect(r.stdout.toString().startsWith('email,note\n')).toBe(true);
    // A part whose header differs stops the run before any output.
    writeFileSync(join(dir, 'seg_20260101_3.csv'), 'email,other\r\nx,y\r\n');
    const bad = await run(`${dir}/`, ['--hash', 'email=email_lc_sha256']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/seg_20260101_3\.csv: its header differs from the first file's/);
    expect(bad.stdout.length).toBe(0);
  });
});

describe('malformed AEP exports', () => {
  it('an RFC 4180 doubled quote is no escape here, an unclosed quote runs to the end: bad_quote each, with line and column', async () => {
    const r = await run(Buffer.from('a,b\n1,"x""y"\n2,"ok \\"q\\""\n3,"tail\\\n'), ['--hash', 'b=sha256', '--max-rejects', 'none']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`a,b\n2,${sha('ok "q"')}\n`);
    expect(r.rejects).toBe('line,column,reason,record\n2,b,bad_quote,"1,""x""""y"""\n4,,bad_quote,"3,""tail\\"\n');
    expect(r.report.rejectReasons).toEqual({ bad_quote: 2 });
  });

  it('a BOM in the middle of the header is data; a CRLF export with a CR-only line is the wrong field count', async () => {
    const r = await run(Buffer.concat([BOM, Buffer.from('id,e\ufeffmail\r\n1,a@b.example\r\n2,c@d.example\r3,x\r\n')]), ['--hash', 'e\ufeffmail=sha256', '--max-rejects', 'none']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`id,e\ufeffmail\n1,${sha('a@b.example')}\n`);
    expect(r.rejects.split('\n')[1]).toMatch(/^3,,field_count,/);
  });

  it("a CR-only export (Excel for Mac's line ends) is read as CSV reads it: CR learnt from the header, LF written", async () => {
    const r = await run(Buffer.from('a,b\r1,"x\\"y"\r2,"two\rlines"\r'), ['--hash', 'b=sha256']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`a,b\n1,${sha('x"y')}\n2,${sha('two\rlines')}\n`);
  });

  it('invalid UTF-8 in a hashed field: invalid_utf8; an empty file: no header, exit 1', async () => {
    const bad = await run(Buffer.concat([Buffer.from('id,email\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n2,a@b.example\n')]), ['--hash', 'email=sha256', '--max-rejects', 'none']);
    expect(bad.code).toBe(0);
    expect(bad.report.rejectReasons).toEqual({ invalid_utf8: 1 });
    const empty = await run(Buffer.alloc(0), ['--passthrough']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/input has no header/);
  });

  it('a record over --max-record-bytes (a long quoted note) is record_too_large; the next ones are read', async () => {
    const note = `"${'x'.repeat(300)}\\"\n${'y'.repeat(300)}"`;
    const r = await run(Buffer.from(`id,note\r\n1,short\r\n2,${note}\r\n3,"ok"\r\n`), ['--passthrough', '--max-record-bytes', '256']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('id,note\n1,short\n3,"ok"\n');
    expect(r.report.rejectReasons).toEqual({ record_too_large: 1 });
  });
});

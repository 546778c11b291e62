/**
 * `--id-type <col>=ecid|gaid|idfa|external_id`: each value trimmed and checked (ECID 38 digits,
 * GAID/IDFA 8-4-4-4-12 hex written lower/upper case, external_id not empty and without TAB), a
 * failing one rejected `invalid_id` naming its column. Through the engine (seeded values against
 * the test's own regular expressions, at several chunk sizes) and through the CLI (report counts,
 * reject file, exit codes, an AAM outbound input).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import type { OpName } from '../src/protocol/messages.js';
import { runCli, tempDir } from './helpers/cli.js';
import { rng, runEngine } from './helpers/engine.js';

type IdType = Extract<OpName, 'ecid' | 'gaid' | 'idfa' | 'external_id'>;

/** The test's own rule for each type: the normalised value, or undefined when it must be rejected. */
const EXPECT: Record<IdType, (v: string) => string | undefined> = {
  ecid: (v) => (/^[0-9]{38}$/.test(v.trim()) ? v.trim() : undefined),
  gaid: (v) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v.trim()) ? v.trim().toLowerCase() : undefined),
  idfa: (v) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v.trim()) ? v.trim().toUpperCase() : undefined),
  external_id: (v) => (v.trim() !== '' && !v.trim().includes('\t') ? v.trim() : undefined),
};

const csvValue = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** One run of the engine over `column` values with the op, every value a record `<n>,<value>`. */
async function engineRun(type: IdType, values: string[], chunkSize: number) {
  const input = Buffer.from(`n,v\n${values.map((v, i) => `${i},${csvValue(v)}`).join('\n')}\n`);
  return runEngine(input, { chunkSize, columns: (h) => [{ index: h.indexOf('v'), name: 'v', op: type }] });
}

function seededValues(seed: number, type: IdType, n: number): string[] {
  const next = rng(seed);
  const hex = '0123456789abcdefABCDEF';
  const pick = (s: string): string => s[Math.floor(next() * s.length)];
  const run = (len: number, chars: string): string => Array.from({ length: len }, () => pick(chars)).join('');
  const device = (): string => [8, 4, 4, 4, 12].map((l) => run(l, hex)).join('-');
  const good = (): string => (type === 'ecid' ? run(38, '0123456789') : type === 'external_id' ? run(1 + Math.floor(next() * 12), 'abcXYZ019_-@.é ,"') : device());
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = good();
    const r = next();
    if (r < 0.5) out.push(v);
    else if (r < 0.6) out.push(`  ${v}\t`);
    else if (r < 0.65) out.push('');
    else if (r < 0.7) out.push(v.slice(1));
    else if (r < 0.75) out.push(`${v}${type === 'ecid' ? '0' : 'a'}`);
    else if (r < 0.8) out.push(v.replace(/[0-9a-f]/i, 'g'));
    else if (r < 0.85) out.push(v.replaceAll('-', ''));
    else if (r < 0.9) out.push(`${v.slice(0, 3)}\t${v.slice(3)}`);
    else if (r < 0.95) out.push(v.replace('-', '_'));
    else out.push('   ');
  }
  return out;
}

describe('--id-type ops in the engine', () => {
  for (const type of ['ecid', 'gaid', 'idfa', 'external_id'] as const) {
    it(`${type}: seeded values equal the test's own rule, kept or rejected invalid_id, at every chunk size`, async () => {
      const values = seededValues(type.length, type, 500);
      const wanted = values.map(EXPECT[type]);
      expect(wanted.filter((w) => w === undefined).length).toBeGreaterThan(50);
      expect(wanted.filter((w) => w !== undefined).length).toBeGreaterThan(200);
      for (const chunkSize of [1, 100, 1 << 16]) {
        const run = await engineRun(type, values, chunkSize);
        const rows = parse(run.output, { columns: true }) as { n: string; v: string }[];
        expect(rows).toEqual(wanted.flatMap((w, i) => (w === undefined ? [] : [{ n: String(i), v: w }])));
        expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual(wanted.flatMap((w, i) => (w === undefined ? [[i + 2, 'invalid_id', 1]] : [])));
        expect(run.records).toBe(values.length);
      }
    });
  }

  it('the exact shapes: ECID 38 digits only, GAID/IDFA dashes at 8-4-4-4-12, case written per type', async () => {
    const g = 'AbCdEf01-2345-6789-aBcD-Ef0123456789';
    expect((await engineRun('gaid', [g], 64)).output.toString()).toBe('n,v\n0,abcdef01-2345-6789-abcd-ef0123456789\n');
    expect((await engineRun('idfa', [g], 64)).output.toString()).toBe('n,v\n0,ABCDEF01-2345-6789-ABCD-EF0123456789\n');
    const bad = await engineRun('gaid', ['abcdef012-345-6789-abcd-ef0123456789', '{abcdef01-2345-6789-abcd-ef012345678}', 'abcdef01-2345-6789-abcd-ef01234567890'], 64);
    expect(bad.rejects.map((r) => r.reason)).toEqual(['invalid_id', 'invalid_id', 'invalid_id']);
    const ecids = await engineRun('ecid', ['1'.repeat(38), '1'.repeat(37), '1'.repeat(39), `${'1'.repeat(37)}x`, `+${'1'.repeat(37)}`, `${'١'.repeat(38)}`], 64);
    expect(ecids.output.toString()).toBe(`n,v\n0,${'1'.repeat(38)}\n`);
    expect(ecids.rejects.map((r) => [r.line, r.reason])).toEqual([[3, 'invalid_id'], [4, 'invalid_id'], [5, 'invalid_id'], [6, 'invalid_id'], [7, 'invalid_id']]);
  });

  it('external_id: trimmed, non-ASCII kept, quoted on output when it holds a comma; a TAB inside or an empty value is invalid_id', async () => {
    const run = await engineRun('external_id', [' crm-1 ', 'ünï', 'a,b "c"', 'a\tb', '', ' \t '], 64);
    expect(parse(run.output, { columns: true })).toEqual([{ n: '0', v: 'crm-1' }, { n: '1', v: 'ünï' }, { n: '2', v: 'a,b "c"' }]);
    expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([[5, 'invalid_id', 1], [6, 'invalid_id', 1], [7, 'invalid_id', 1]]);
  });

  it('invalid UTF-8 is invalid_utf8, not invalid_id; the first failing column in field order names the reject', async () => {
    const input = Buffer.concat([Buffer.from('a,b\n'), Buffer.from([0xff, 0x2c, 0x78, 0x0a]), Buffer.from('x,\n,\n')]);
    const run = await runEngine(input, { chunkSize: 64, columns: () => [{ index: 0, name: 'a', op: 'external_id' }, { index: 1, name: 'b', op: 'external_id' }] });
    expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([[2, 'invalid_utf8', 0], [3, 'invalid_id', 1], [4, 'invalid_id', 0]]);
    expect(run.recordsOut).toBe(0);
  });
});

describe('--id-type through the CLI', () => {
  const tmp = tempDir('ap-id-type-');
  afterAll(() => tmp.cleanup());

  it('normalises each column, counts validated and invalid per column, writes the rejects with their column', async () => {
    const input = join(tmp.dir, 'seeds.csv');
    const rejects = join(tmp.dir, 'rejects.csv');
    const report = join(tmp.dir, 'report.json');
    const ecid = '12345678901234567890123456789012345678';
    writeFileSync(input, [
      'ecid,gaid,idfa,crm',
      ` ${ecid} ,AbCdEf01-2345-6789-abcd-ef0123456789,abcdef01-2345-6789-abcd-ef0123456789,c1`,
      `${ecid},abcdef01-2345-6789-abcd-ef0123456789,ABCDEF01-2345-6789-ABCD-EF0123456789,"c,2"`,
      `1234,abcdef01-2345-6789-abcd-ef0123456789,ABCDEF01-2345-6789-ABCD-EF0123456789,c3`,
      `${ecid},not-a-gaid,ABCDEF01-2345-6789-ABCD-EF0123456789,c4`,
      `${ecid},abcdef01-2345-6789-abcd-ef0123456789,ABCDEF01-2345-6789-ABCD-EF0123456789,`,
      '',
    ].join('\n'));
    const r = await runCli(['process', '--in', input, '--rejects', rejects, '--report', report, '--workers', '2', '--chunk-size', '1',
      '--id-type', 'ecid=ecid', '--id-type', 'gaid=gaid', '--id-type', 'idfa=idfa', '--id-type', 'crm=external_id', '--max-rejects', 'none']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe([
      'ecid,gaid,idfa,crm',
      `${ecid},abcdef01-2345-6789-abcd-ef0123456789,ABCDEF01-2345-6789-ABCD-EF0123456789,c1`,
      `${ecid},abcdef01-2345-6789-abcd-ef0123456789,ABCDEF01-2345-6789-ABCD-EF0123456789,"c,2"`,
      '',
    ].join('\n'));
    expect(readFileSync(rejects, 'utf8').split('\n').slice(1, 4).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['4,ecid,invalid_id', '5,gaid,invalid_id', '6,crm,invalid_id']);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.recordsIn).toBe(5);
    expect(rep.recordsOut).toBe(2);
    expect(rep.rejectReasons).toEqual({ invalid_id: 3 });
    // Per column: its values in the records written, and the records it rejected.
    expect(rep.columns.ecid).toMatchObject({ validated: 2, invalid: 1, hashed: 0 });
    expect(rep.columns.gaid).toMatchObject({ validated: 2, invalid: 1 });
    expect(rep.columns.idfa).toMatchObject({ validated: 2, invalid: 0 });
    expect(rep.columns.crm).toMatchObject({ validated: 2, invalid: 1 });
  });

  it('a hash column reports no validated counter; too many invalid IDs fail the run (exit 1) naming invalid_id', async () => {
    const input = Buffer.from('id,email\n1,a@b.example\n2,c@d.example\n3,e@f.example\n');
    const r = await runCli(['process', '--id-type', 'id=ecid', '--hash', 'email=email_lc_sha256', '--report', join(tmp.dir, 'r2.json')], { input });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('3 of 3 records rejected (100.0%), over --max-rejects 50%; top reason invalid_id (3)');
    const rep = JSON.parse(readFileSync(join(tmp.dir, 'r2.json'), 'utf8'));
    expect(rep.columns.email).not.toHaveProperty('validated');
    expect(rep.columns.id).toMatchObject({ validated: 0, invalid: 3 });
  });

  it('an unknown type is a configuration error (exit 2) naming the types', async () => {
    const r = await runCli(['process', '--id-type', 'id=uuid'], { input: 'id\n1\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown ID type 'uuid' \(types: ecid, gaid, idfa, external_id\)/);
  });

  it('on an AAM outbound input: --id-type id=ecid over the id column, the segment lists untouched', async () => {
    const ecid = '9'.repeat(38);
    const inPath = join(tmp.dir, 'aam.sync');
    writeFileSync(inPath, ` ${ecid}\t1,2 3\n123 4\n`);
    const r = await runCli(['process', '--from', 'aam-outbound', '--in', inPath, '--id-type', 'id=ecid', '--max-rejects', 'none']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`id,segments,removed_segments\n${ecid},"1,2",3\n`);
  });
});

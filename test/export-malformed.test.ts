/**
 * export-audience on malformed and unusual profile tables: CR-only and CRLF line ends (also with
 * --select-ids), a gzipped table and a truncated one, invalid UTF-8 in a key, quotes in odd places
 * around the selection, a key an AAM file cannot carry. Every record ends exported, unusable or
 * rejected, and the counts say which.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-export-bad-');
afterAll(cleanup);
const sha = (v: string) => createHash('sha256').update(v).digest('hex');
let n = 0;

/** A job over `table` (bytes) with a hashed and a plain source of crm_id; returns the run's files, --unusable, --rejects and report. */
async function run(table: Buffer | string, alias: 'H' | 'P', extra: string[] = [], name = 'p.csv', ids?: string) {
  const d = join(dir, `run-${n++}`);
  mkdirSync(join(d, 'out'), { recursive: true });
  writeFileSync(join(d, name), table);
  if (ids !== undefined) writeFileSync(join(d, 'ids.txt'), ids);
  writeFileSync(join(d, 'job.json'), JSON.stringify({ profiles: { path: name, id: 'id', fields: [] }, dataSources: [{ label: 'h', alias: 'H', dpid: 1, type: 'declared', key: 'crm', protection: { hash: 'sha256' }, priority: 2 }, { label: 'p', alias: 'P', dpid: 2, type: 'declared', key: 'crm', priority: 1 }] }));
  const r = await runCli(['export-audience', '--job', join(d, 'job.json'), '--alias', alias, '--trait', 'd_sid=3', '--out', join(d, 'out/'), '--unusable', join(d, 'u.csv'), '--rejects', join(d, 'rej.csv'), '--report', join(d, 'r.json'), '--timestamp', '1700000000', '--max-rejects', 'none', '--log-format', 'json', ...extra.map((a) => a.replace('DIR', d))]);
  const out = readdirSync(join(d, 'out'));
  const read = (f: string) => readFileSync(join(d, f), 'utf8');
  return { r, d, out, aam: out.length === 0 ? undefined : read(join('out', out[0])), unusable: () => read('u.csv'), rejects: () => read('rej.csv'), report: () => JSON.parse(read('r.json')) };
}

describe('line ends', () => {
  for (const [what, eol] of [['CR-only', '\r'], ['CRLF', '\r\n']] as const) {
    it(`${what}: every profile, and --select-ids picks by ID`, async () => {
      const table = ['id,crm', 'A,c1', 'B,', 'C,c3', '"D,x",c4', ''].join(eol);
      const all = await run(table, 'H');
      expect(all.r.code).toBe(0);
      expect(all.aam).toBe(`${sha('c1')}\td_sid=3\n${sha('c3')}\td_sid=3\n${sha('c4')}\td_sid=3\n`);
      expect(all.unusable()).toBe('id,reason\nB,empty\n');
      const some = await run(table, 'H', ['--select-ids', 'DIR/ids.txt'], 'p.csv', 'D,x\rB\n');
      expect(some.r.code).toBe(0);
      expect(some.aam).toBe(`${sha('c4')}\td_sid=3\n`);
      expect(some.unusable()).toBe('id,reason\nB,empty\n');
      const rep = some.report();
      expect(rep.export).toMatchObject({ profilesRead: 2, exported: 1, unusable: 1, rejected: 0 });
      expect(rep.export.selection).toMatchObject({ ids: 2, selected: 2, skipped: 2, notFound: 0 });
    });
  }
});

describe('a UTF-8 BOM', () => {
  it('before the header: the ID column is found and --select-ids and --unusable read it', async () => {
    const run1 = await run('\uFEFFid,crm\nA,c1\nB,\nC,c3\n', 'P', ['--select-ids', 'DIR/ids.txt'], 'p.csv', 'B\nC\n');
    expect(run1.r.code).toBe(0);
    expect(run1.aam).toBe('c3\td_sid=3\n');
    expect(run1.unusable()).toBe('id,reason\nB,empty\n');
    expect(run1.report().export.selection).toMatchObject({ selected: 2, skipped: 1, notFound: 0 });
  });
});

describe('gzip', () => {
  it('a gzipped table reads as the plain one; a truncated one is exit 1 (ERR_PROFILES) with nothing published', async () => {
    const table = `id,crm\n${Array.from({ length: 5000 }, (_, i) => `R${i},c${i}\n`).join('')}`;
    const gz = gzipSync(table);
    const ok = await run(gz, 'P', [], 'p.csv.gz');
    expect(ok.r.code).toBe(0);
    expect(ok.aam).toBe(Array.from({ length: 5000 }, (_, i) => `c${i}\td_sid=3\n`).join(''));
    const cut = await run(gz.subarray(0, gz.length - 40), 'P', [], 'p.csv.gz');
    expect(cut.r.code).toBe(1);
    expect(cut.r.stderr).toMatch(/ERR_PROFILES.*not valid gzip/);
    expect(cut.out).toEqual([]);
    expect(readdirSync(cut.d).sort()).toEqual(['job.json', 'out', 'p.csv.gz', 'r.json']);
  });
});

describe('odd values', () => {
  it('invalid UTF-8 in a key is rejected (invalid_utf8, --rejects), a key with ":" unusable for a plain source and hashed for a hashed one', async () => {
    const table = Buffer.concat([Buffer.from('id,crm\nA,ok1\nB,'), Buffer.from([0xff, 0xfe]), Buffer.from('\nC,has:colon\nD,"quoted ""x"""\n')]);
    const plain = await run(table, 'P');
    expect(plain.r.code).toBe(0);
    expect(plain.aam).toBe('ok1\td_sid=3\nquoted "x"\td_sid=3\n');
    expect(plain.unusable()).toBe('id,reason\nC,invalid_id\n');
    expect(plain.rejects().split('\n')[1]).toMatch(/^3,crm,invalid_utf8,/);
    expect(plain.report().export).toMatchObject({ profilesRead: 4, exported: 2, unusable: 1, unusableByReason: { invalid_id: 1 }, rejected: 1 });
    const hashed = await run(table, 'H');
    expect(hashed.aam).toBe(`${sha('ok1')}\td_sid=3\n${sha('has:colon')}\td_sid=3\n${sha('quoted "x"')}\td_sid=3\n`);
    expect(hashed.report().export).toMatchObject({ profilesRead: 4, exported: 3, unusable: 0, rejected: 1 });
  });

  it('with --select-ids, a record whose ID cannot be read is passed on and counted, never dropped', async () => {
    const table = 'id,crm\nA,c1\nB"x,c2\nC,c3\n"E,c5\n';
    const d = await run(table, 'P', ['--select-ids', 'DIR/ids.txt'], 'p.csv', 'C\n');
    expect(d.r.code).toBe(0);
    const rep = d.report();
    // B"x has its ID (a quote inside a field is a character of it) and is left out; "E never closes its
    // quote: that line is passed on and rejected, the rest of the table read again from the next line.
    expect(rep.export.selection).toMatchObject({ selected: 1, skipped: 2, unread: 1, notFound: 0 });
    expect(rep.export).toMatchObject({ profilesRead: 2, exported: 1, unusable: 0, rejected: 1 });
    expect(d.aam).toBe('c3\td_sid=3\n');
    // Line numbers are the table's, and the records left out are no blank lines of it.
    expect(d.rejects().split('\n').slice(1, 2).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['5,,bad_quote']);
    expect(rep.blankLines).toBe(0);
  });
});

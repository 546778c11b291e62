/**
 * `--in <directory>` and `--in '<dir>/<glob>'` on local files (src/sources/local-source.ts):
 * natural name order, gzip and plain parts in one input, one header kept, hidden, `.part` and
 * `.info` files never data, and every way such an input can be wrong, through the built CLI.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileSource, listLocal } from '../src/sources/local-source.js';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-local-glob-');
afterAll(cleanup);
const JOB = ['--passthrough', '--log-level', 'silent'];
let n = 0;

/** A directory holding `files` (name -> content; a Buffer as it is, text as UTF-8). */
function folder(files: Record<string, string | Buffer>): string {
  const d = join(dir, `d${++n}`);
  mkdirSync(d);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
}

const part = (k: number): string => `email,n\nu${k}@x.org,${k}\n`;

describe('a directory', () => {
  it('reads every file in natural order (10 after 9), gzip and plain, with the header once', async () => {
    const files: Record<string, string | Buffer> = {};
    for (const k of [1, 2, 9, 10, 11]) files[`part-${k}.csv${k % 2 === 0 ? '.gz' : ''}`] = k % 2 === 0 ? gzipSync(part(k)) : part(k);
    const d = folder(files);
    for (const spec of [d, `${d}/`]) {
      const res = await runCli(['process', '--in', spec, ...JOB]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.toString()).toBe(`email,n\n${[1, 2, 9, 10, 11].map((k) => `u${k}@x.org,${k}\n`).join('')}`);
    }
  });

  it('skips hidden files, .part uploads, sub-directories and the .info control file', async () => {
    const d = folder({ 'a.csv': part(1), '.hidden.csv': part(2), 'b.csv.part': part(3), 'batch.info': '{}', 'c.csv': part(4) });
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'x.csv'), part(5));
    const listed = await listLocal(d);
    expect(listed).toEqual({
      dir: d,
      kind: 'directory',
      data: [join(d, 'a.csv'), join(d, 'c.csv')],
      control: [join(d, 'batch.info')],
      sizes: new Map([[join(d, 'a.csv'), part(1).length], [join(d, 'batch.info'), 2], [join(d, 'c.csv'), part(4).length]]),
    });
    // Each part knows its size from the listing, before it is opened: progress has the whole input's.
    const parts = await createFileSource(d, 65536).parts(new AbortController().signal);
    expect(parts.map((p) => [p.name, p.size?.()])).toEqual([['a.csv', part(1).length], ['c.csv', part(4).length]]);
  });

  it('follows a link to a file', async () => {
    const d = folder({ 'a.csv': part(1) });
    writeFileSync(join(dir, `target-${n}.csv`), part(2));
    symlinkSync(join(dir, `target-${n}.csv`), join(d, 'b.csv'));
    const res = await runCli(['process', '--in', d, ...JOB]);
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe('email,n\nu1@x.org,1\nu2@x.org,2\n');
  });

  it('an empty directory (or one with only a .info): exit 1 ERR_INPUT', async () => {
    for (const d of [folder({}), folder({ 'x.info': '{}' })]) {
      const res = await runCli(['process', '--in', d, '--passthrough', '--report', join(dir, `r${n}.json`)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`--in: directory ${d} holds no input file`);
    }
  });

  it('a file with another header: ERR_HEADER_MISMATCH naming it, nothing written', async () => {
    const d = folder({ 'a.csv': part(1), 'b.csv': 'mail,n\nx@y.z,2\n' });
    const out = join(dir, `mismatch-${n}.csv`);
    const res = await runCli(['process', '--in', d, '--out', out, '--passthrough', '--report', join(dir, `mm${n}.json`)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/b\.csv: its header differs from the first file's \(expected 'email,n', got 'mail,n'\)/);
  });

  it('a truncated gzip part: ERR_GZIP, exit 1', async () => {
    const gz = gzipSync(part(2).repeat(200));
    const d = folder({ 'a.csv': part(1), 'b.csv.gz': gz.subarray(0, gz.length - 12) });
    const res = await runCli(['process', '--in', d, '--passthrough', '--out', join(dir, `gz-${n}.csv`), '--report', join(dir, `gz${n}.json`)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/ERR_GZIP|does not inflate|unexpected end of file/);
  });

  it('an --out or --report over one of its files is exit 2 ERR_SAME_FILE, the file untouched', async () => {
    const d = folder({ 'a.csv': part(1), 'b.csv': part(2) });
    for (const option of ['--out', '--report']) {
      const res = await runCli(['process', '--in', d, '--passthrough', option, join(d, 'b.csv')]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`audience-pipe: ${option} and --in are the same file (${join(d, 'b.csv')}): give each its own path`);
      expect(readFileSync(join(d, 'b.csv'), 'utf8')).toBe(part(2));
    }
    const glob = await runCli(['process', '--in', join(d, '*.csv'), '--passthrough', '--out', join(d, 'a.csv')]);
    expect(glob.code).toBe(2);
  });

  it('CRLF parts and a part without a last line end: the same output as their records in one file', async () => {
    const d = folder({ 'a.csv': 'email,n\r\nu1@x.org,1\r\n', 'b.csv': 'email,n\r\nu2@x.org,2' });
    const res = await runCli(['process', '--in', d, ...JOB]);
    expect(res.code, res.stderr).toBe(0);
    const one = await runCli(['process', ...JOB], { input: 'email,n\r\nu1@x.org,1\r\nu2@x.org,2' });
    expect(res.stdout.toString()).toBe(one.stdout.toString());
    expect(res.stdout.toString()).toMatch(/u1@x\.org,1\r?\nu2@x\.org,2/);
  });
});

describe('a glob', () => {
  it('reads the files its last segment matches, in natural order', async () => {
    const d = folder({ 'seg-2.csv': part(2), 'seg-10.csv': part(10), 'seg-1.csv.gz': gzipSync(part(1)), 'other.csv': part(99), '.seg-3.csv': part(3) });
    const res = await runCli(['process', '--in', join(d, 'seg-*'), ...JOB]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.toString()).toBe('email,n\nu1@x.org,1\nu2@x.org,2\nu10@x.org,10\n');
    const one = await runCli(['process', '--in', join(d, 'seg-?.csv'), ...JOB]);
    expect(one.stdout.toString()).toBe('email,n\nu2@x.org,2\n');
  });

  it('a name that exists as it is is that file, wildcard characters and all', async () => {
    const d = folder({ 'a*.csv': part(7), 'ab.csv': part(8) });
    const res = await runCli(['process', '--in', join(d, 'a*.csv'), ...JOB]);
    expect(res.stdout.toString()).toBe('email,n\nu7@x.org,7\n');
  });

  it('no match: exit 1 ERR_INPUT naming the pattern', async () => {
    const d = folder({ 'a.csv': part(1) });
    const res = await runCli(['process', '--in', join(d, '*.tsv'), '--passthrough', '--report', join(dir, `nm${n}.json`)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`--in: no file matches ${join(d, '*.tsv')}`);
  });

  it('a wildcard in a directory segment: exit 2', async () => {
    const res = await runCli(['process', '--in', join(dir, 'd*', 'a.csv'), '--passthrough']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--in: wildcards are only allowed in the last path segment');
  });

  it("a glob's directory that does not exist: exit 1 ERR_INPUT", async () => {
    const res = await runCli(['process', '--in', join(dir, 'nope', '*.csv'), '--passthrough', '--report', join(dir, 'nope.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/--in: cannot read .*nope: ENOENT/);
  });
});

describe('the report', () => {
  it('lists every input file, with the metadata of vendor names and just the name otherwise', async () => {
    const d = folder({ 'Camp_segment42_20170203165403.csv': part(1), 'Camp_segment42_20170203165403_2.csv': part(2), 'mine.csv': part(3) });
    const report = join(dir, `inputs-${n}.json`);
    const res = await runCli(['process', '--in', d, '--passthrough', '--report', report, '--out', join(dir, `inputs-${n}.csv`)]);
    expect(res.code).toBe(0);
    const { inputs } = JSON.parse(readFileSync(report, 'utf8')) as { inputs: unknown[] };
    expect(inputs).toEqual([
      { name: 'Camp_segment42_20170203165403.csv', pattern: 'aep', destination: 'Camp', segment: '42', timestamp: '2017-02-03T16:54:03.000Z', timestampRaw: '20170203165403', gzip: false },
      { name: 'Camp_segment42_20170203165403_2.csv', pattern: 'aep', destination: 'Camp', segment: '42', timestamp: '2017-02-03T16:54:03.000Z', timestampRaw: '20170203165403', part: 2, gzip: false },
      { name: 'mine.csv' },
    ]);
  });
});

/**
 * Splits through the CLI with 1 and 3 workers and small chunks: the records across all files are
 * the input's, in order, none cut, none twice; each part carries the header; the report's files[]
 * gives each file's records, size and MD5 as stored; a run that fails publishes no part.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-split-cli-');
afterAll(cleanup);

// Quoted fields with commas and line breaks: a record must never be cut at a line feed inside quotes.
const rows = Array.from({ length: 157 }, (_, i) => `${i + 1},"user ${i}, ""q""\nline 2",${'x'.repeat(i % 23)}`);
const input = `id,note,pad\n${rows.join('\n')}\n`;
const inPath = join(dir, 'in.csv');
writeFileSync(inPath, input);

const naturalParts = (names: string[]): string[] => names.sort((a, b) => partNo(a) - partNo(b));
const partNo = (n: string): number => Number(/_(\d+)\.csv/.exec(n)?.[1] ?? 1);

describe.each([1, 3])('--split-rows through the CLI with %i worker(s)', (workers) => {
  it('every record once, in order, in parts of at most n records, each with the header', async () => {
    const out = join(dir, `rows-${workers}`);
    mkdirSync(out);
    const report = join(dir, `rows-${workers}.json`);
    const r = await runCli(['process', '--in', inPath, '--out', `${out}/`, '--name', 'seg.csv', '--split-rows', '20', '--workers', String(workers), '--chunk-size', '256', '--passthrough', '--report', report]);
    expect(r.stderr).not.toContain('"level":50');
    expect(r.code).toBe(0);
    const names = naturalParts(readdirSync(out));
    expect(names).toEqual(['seg.csv', ...Array.from({ length: 7 }, (_, k) => `seg_${k + 2}.csv`)]);
    const texts = names.map((n) => readFileSync(join(out, n), 'utf8'));
    for (const t of texts) expect(t.startsWith('id,note,pad\n')).toBe(true);
    const records = texts.map((t) => t.slice('id,note,pad\n'.length));
    expect(records.join('')).toBe(`${rows.join('\n')}\n`);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.files.map((f: { records: number }) => f.records)).toEqual([20, 20, 20, 20, 20, 20, 20, 17]);
    expect(rep.recordsIn).toBe(157);
    expect(rep.recordsOut).toBe(157);
    expect(rep.recordsDeduplicated).toBe(0);
    for (const f of rep.files) {
      const stored = readFileSync(join(out, f.name));
      expect(f).toEqual({ name: f.name, records: f.records, bytes: stored.length, md5: createHash('md5').update(stored).digest('hex') });
    }
  });

  it('--split-bytes with a .gz name: gzip parts of at most n uncompressed bytes, each valid, together the records', async () => {
    const out = join(dir, `bytes-${workers}`);
    mkdirSync(out);
    const r = await runCli(['process', '--in', inPath, '--out', `${out}/`, '--name', 'seg.csv.gz', '--split-bytes', '1000', '--workers', String(workers), '--chunk-size', '300', '--passthrough']);
    expect(r.code).toBe(0);
    const names = naturalParts(readdirSync(out));
    expect(names.length).toBeGreaterThan(5);
    const texts = names.map((n) => gunzipSync(readFileSync(join(out, n))).toString());
    for (const t of texts) {
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(1000);
      expect(t.startsWith('id,note,pad\n')).toBe(true);
    }
    expect(texts.map((t) => t.slice('id,note,pad\n'.length)).join('')).toBe(`${rows.join('\n')}\n`);
  });
});

describe('malformed input through a split', () => {
  it('CRLF, quoted line breaks, invalid UTF-8, a bad quote, a short row: the parts together are exactly the one-file output, rejects alike', async () => {
    const raw = Buffer.concat([Buffer.from('id,note\r\n1,"a\r\nb"\r\n2,x\r\n3,"y"z\r\n4,'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n5\r\n6,"q ""w"""\r\n7,last')]);
    const path = join(dir, 'malformed.csv');
    writeFileSync(path, raw);
    for (const workers of ['1', '2']) {
      const out = join(dir, `malformed-${workers}`);
      mkdirSync(out);
      const common = ['--passthrough', '--max-rejects', 'none', '--chunk-size', '64', '--workers', workers];
      const one = await runCli(['process', '--in', path, '--rejects', join(dir, `one-${workers}.csv`), ...common]);
      const split = await runCli(['process', '--in', path, '--out', `${out}/`, '--name', 's.csv', '--split-rows', '1', '--rejects', join(dir, `split-${workers}.csv`), ...common]);
      expect(one.code).toBe(0);
      expect(split.code).toBe(0);
      const names = naturalParts(readdirSync(out));
      const bodies = names.map((n) => readFileSync(join(out, n)).subarray('id,note\n'.length));
      expect(Buffer.concat([Buffer.from('id,note\n'), ...bodies]).equals(one.stdout)).toBe(true);
      expect(names).toHaveLength(5);
      expect(readFileSync(join(dir, `split-${workers}.csv`), 'utf8')).toBe(readFileSync(join(dir, `one-${workers}.csv`), 'utf8'));
    }
  });
});

describe('a routed run that fails publishes no part', () => {
  it('--max-rejects stopping the run after parts were written: exit 1, no part and no temporary file left', async () => {
    const out = join(dir, 'failing');
    mkdirSync(out);
    // 40 good records (8 parts of 5) before the bad ones.
    const good = Array.from({ length: 40 }, (_, i) => `${i},u${i}@example.com`);
    const bad = Array.from({ length: 50 }, (_, i) => `${i},not-an-email`);
    writeFileSync(join(dir, 'bad.csv'), `id,email\n${[...good, ...bad].join('\n')}\n`);
    const r = await runCli(['process', '--in', join(dir, 'bad.csv'), '--out', `${out}/`, '--name', 'seg.csv', '--split-rows', '5', '--hash', 'email=email_lc_sha256', '--max-rejects', '10', '--chunk-size', '128']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_TOO_MANY_REJECTS');
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('a signal during a routed run', () => {
  it('SIGINT while parts are written (stdin still open): exit 130, no part and no temporary file left', async () => {
    const { watchCli, waitFor, exitWithin } = await import('./helpers/outputs.js');
    const out = join(dir, 'signalled');
    mkdirSync(out);
    const run = watchCli(['process', '--in', '-', '--out', `${out}/`, '--name', 's.csv', '--split-rows', '50', '--passthrough', '--chunk-size', '4096', '--log-level', 'warn']);
    const row = (i: number): string => `${i},user${i}@example.com,${'x'.repeat(40)}\n`;
    run.child.stdin!.write(`id,email,pad\n${Array.from({ length: 400 }, (_, i) => row(i)).join('')}`);
    // Several parts under their temporary names: the run is mid-way, waiting for more input.
    await waitFor('temporary parts', () => readdirSync(out).filter((n) => n.startsWith('.routed-')).length >= 3);
    run.child.kill('SIGINT');
    const r = await exitWithin(run);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted by SIGINT: nothing was published');
    expect(readdirSync(out)).toEqual([]);
  });
});

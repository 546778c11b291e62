/**
 * One run at a time per output file (#8): a second run writing the same --out stops with exit 1
 * naming the first (host, pid); the lock is removed on every exit path and a dead run's lock is
 * taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { HOST, exitWithin, hiddenFiles, partGrown, waitFor, watchCli } from './helpers/outputs.js';

let dir: string;
let cleanup: () => void;
let audience: Buffer;
let input: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ap-lock-'));
  const gen = await runCli(['generate', '--rows', '20000', '--seed', '4']);
  expect(gen.code).toBe(0);
  audience = gen.stdout;
  input = join(dir, 'aud.csv');
  writeFileSync(input, audience);
});
afterAll(() => cleanup());

const HASH = ['--hash', 'email=email_lc_sha256', '--log-level', 'error'];

it('a second run on the same --out stops with exit 1 naming the first; the first publishes and removes its lock', async () => {
  const out = join(dir, 'same.csv');
  const first = watchCli(['process', ...HASH, '--chunk-size', '16KiB', '--out', out]);
  first.child.stdin!.write(audience.subarray(0, 300_000));
  await waitFor('the first run mid-way', () => partGrown(dir, 'same.csv', 1));
  expect(hiddenFiles(dir)).toContain('.same.csv.lock');

  const second = await runCli(['process', ...HASH, '--in', input, '--out', out]);
  expect(second.code).toBe(1);
  expect(second.stderr).toMatch(new RegExp(`--out: .*same\\.csv is being written by another run \\(host ${HOST}, pid ${first.child.pid}\\b`));
  expect(second.stderr).not.toMatch(/\n\s+at /);
  // The refused run removed nothing of the first run's.
  expect(hiddenFiles(dir)).toContain('.same.csv.lock');

  first.child.stdin!.end(audience.subarray(300_000));
  const done = await exitWithin(first);
  expect(done.code).toBe(0);
  expect(existsSync(out)).toBe(true);
  expect(hiddenFiles(dir)).toEqual([]);
  const alone = await runCli(['process', ...HASH, '--in', input]);
  expect(readFileSync(out).equals(alone.stdout)).toBe(true);
});

it('a failed run removes its lock too', async () => {
  const out = join(dir, 'failed.csv');
  const gz = gzipSync(audience);
  const broken = Buffer.concat([gz.subarray(0, gz.length >> 1), Buffer.from('garbage-garbage-garbage')]);
  const res = await runCli(['process', ...HASH, '--chunk-size', '16KiB', '--out', out], { input: broken });
  expect(res.code).toBe(1);
  expect(hiddenFiles(dir)).toEqual([]);
});

it('takes over the lock of a run of this host that is gone, and respects one of another host', async () => {
  const out = join(dir, 'stale.csv');
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const deadPid = Number(gone.stdout.toString());
  writeFileSync(join(dir, '.stale.csv.lock'), JSON.stringify({ host: HOST, pid: deadPid }) + '\n');
  const res = await runCli(['process', ...HASH, '--in', input, '--out', out]);
  expect(res.code).toBe(0);
  expect(existsSync(out)).toBe(true);
  expect(hiddenFiles(dir)).toEqual([]);

  writeFileSync(join(dir, '.stale.csv.lock'), JSON.stringify({ host: 'elsewhere', pid: deadPid }) + '\n');
  const refused = await runCli(['process', ...HASH, '--in', input, '--out', out]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(new RegExp(`host elsewhere, pid ${deadPid}`));
  expect(hiddenFiles(dir)).toEqual(['.stale.csv.lock']);
});

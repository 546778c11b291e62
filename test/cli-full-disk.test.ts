/**
 * Clean ends when the output cannot be written (#8): a full filesystem (a real tmpfs of 8 MB,
 * mounted by the test; CI runs as root) and stdout on /dev/full end with exit 1 and one line
 * naming the file and ENOSPC, no temporary file left, and the report written where it has room.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { exitWithin, watchCli } from './helpers/outputs.js';

let dir: string;
let cleanup: () => void;
let input: string;
const mounted: string[] = [];

function mountTmpfs(name: string, options: string): string {
  const at = join(dir, name);
  mkdirSync(at);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at]);
  mounted.push(at);
  return at;
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ap-full-'));
  const gen = await runCli(['generate', '--rows', '120000', '--seed', '5']);
  expect(gen.code).toBe(0);
  input = join(dir, 'aud.csv');
  writeFileSync(input, gen.stdout);
});
afterAll(() => {
  for (const at of mounted) execFileSync('umount', [at]);
  cleanup();
});

/** The lines of stderr that are not empty. */
const lines = (stderr: string): string[] => stderr.split('\n').filter(Boolean);

describe('a full filesystem', () => {
  it('output and rejects on one full tmpfs: exit 1, one line with the file and ENOSPC, no .part left, the report written', async () => {
    const full = mountTmpfs('full', 'size=8m');
    // The hashed output (about 13 MB) cannot fit; --max-record-bytes makes many rejects too.
    const res = await runCli(['process', '--in', input, '--hash', 'email=email_lc_sha256', '--max-record-bytes', '100', '--log-level', 'error',
      '--out', join(full, 'out.csv'), '--rejects', join(full, 'rejects.csv'), '--report', join(full, 'report.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).not.toMatch(/Unhandled|\n\s+at /);
    const errorLines = lines(res.stderr);
    expect(errorLines.length).toBe(1);
    expect(errorLines[0]).toMatch(new RegExp(`--(out|rejects): cannot write ${join(full, '(out|rejects)\\.csv')}: ENOSPC`));
    // Every temporary file is gone, so the report found room on the same filesystem.
    expect(readdirSync(full)).toEqual(['report.json']);
    const report = JSON.parse(readFileSync(join(full, 'report.json'), 'utf8'));
    expect(report.status).toBe('failed');
    expect(report.error.message).toMatch(/ENOSPC/);
    expect(['ERR_OUTPUT', 'ERR_REJECTS']).toContain(report.error.code);
  });

  it('a report that finds no room either fails the run with exit 1 and its own line', async () => {
    const tiny = mountTmpfs('tiny', 'size=4k');
    // Fill it, so nothing the run could remove would make room.
    writeFileSync(join(tiny, 'filler'), Buffer.alloc(4096));
    const res = await runCli(['process', '--in', input, '--hash', 'email=email_lc_sha256', '--log-level', 'error', '--out', join(dir, 'ok.csv'), '--report', join(tiny, 'report.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`--report: cannot write ${join(tiny, 'report.json')}: ENOSPC`));
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(tiny)).toEqual(['filler']);
  });

  it('rejects that run out of room at their last bytes: the output on another disk is not published', async () => {
    const small = mountTmpfs('rejects-only', 'size=64k');
    // The rejects all come at the end, so their last writes are still in flight as the output completes.
    const rows = ['id,email'];
    for (let i = 0; i < 50_000; i++) rows.push(`${i},user${i}@example.com`);
    for (let i = 0; i < 2_000; i++) rows.push(`${50_000 + i},not-an-email-${'x'.repeat(80)}`);
    const late = join(dir, 'late.csv');
    writeFileSync(late, rows.join('\n') + '\n');
    const out = join(dir, 'late-out.csv');
    const res = await runCli(['process', '--in', late, '--hash', 'email=email_lc_sha256', '--log-level', 'error', '--out', out, '--rejects', join(small, 'rejects.csv')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/--rejects: cannot write .*rejects\.csv: ENOSPC/);
    expect(readdirSync(dir).filter((n) => n.includes('late-out'))).toEqual([]);
    expect(readdirSync(small)).toEqual([]);
  });

  it('a directory on a read-only filesystem is refused before the run, exit 2 naming the option', async () => {
    const ro = mountTmpfs('ro', 'ro,size=1m');
    const run = watchCli(['process', '--hash', 'email=email_lc_sha256', '--rejects', join(ro, 'rejects.csv')]);
    // stdin stays open: the refusal must come before the first byte is read.
    const res = await exitWithin(run);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--rejects: .* is not writable: EROFS/);
    expect(res.stdout.length).toBe(0);
  });
});

describe('stdout on /dev/full', () => {
  it('ends with exit 1 and one line, no stack trace', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const run = watchCli(['process', '--in', input, '--hash', 'email=email_lc_sha256', '--log-level', 'error'], ['ignore', fd, 'pipe']);
      const res = await run.exit;
      expect(res.code).toBe(1);
      expect(res.stderr).not.toMatch(/throw err|\n\s+at /);
      const errorLines = lines(res.stderr);
      expect(errorLines.length).toBe(1);
      expect(errorLines[0]).toMatch(/stdout: cannot write: ENOSPC/);
    } finally {
      closeSync(fd);
    }
  });

  it('a command without a run (generate) ends with exit 1 and one line as well', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const res = await watchCli(['generate', '--rows', '50000'], ['ignore', fd, 'pipe']).exit;
      expect(res.code).toBe(1);
      expect(res.stderr).not.toMatch(/throw err|\n\s+at /);
      expect(lines(res.stderr)).toEqual([expect.stringMatching(/stdout.*ENOSPC/)]);
    } finally {
      closeSync(fd);
    }
  });
});

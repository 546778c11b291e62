/**
 * Clean ends on signals (#8, #9): SIGHUP, SIGINT and SIGTERM stop a run mid-way with exit
 * 128 + the signal's number, nothing published, no temporary file left, and a report saying
 * ERR_INTERRUPTED; the `.part` files a SIGKILL leaves are removed by the next run into the directory.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { HOST, exitWithin, hiddenFiles, partGrown, waitFor, waitForIdle, watchCli } from './helpers/outputs.js';

let dir: string;
let cleanup: () => void;
let audience: Buffer;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ap-signals-'));
  const gen = await runCli(['generate', '--rows', '20000', '--seed', '3']);
  expect(gen.code).toBe(0);
  audience = gen.stdout;
});
afterAll(() => cleanup());

/** A run whose stdin stays open after the first rows: it is mid-way until the test says otherwise. */
function midRun(sub: string) {
  const out = join(dir, sub);
  const run = watchCli(['process', '--hash', 'email=email_lc_sha256', '--chunk-size', '16KiB', '--workers', '2',
    '--out', join(out, 'out.csv'), '--rejects', join(out, 'rejects.csv'), '--report', join(out, 'report.json')]);
  run.child.stdin!.write(audience.subarray(0, 400_000));
  return { out, run };
}

describe('a signal mid-run', () => {
  for (const sig of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: exit ${128 + constants.signals[sig]}, nothing published, no temporary file, report ERR_INTERRUPTED`, async () => {
      const sub = sig.toLowerCase();
      mkdirSync(join(dir, sub));
      // An older output of the same name must survive the interrupted run untouched.
      writeFileSync(join(dir, sub, 'out.csv'), 'older output\n');
      const { out, run } = midRun(sub);
      // Mid-way: what stdin had is processed, and the run waits for more.
      await waitForIdle(out, 'out.csv');
      expect(hiddenFiles(out).some((n) => n.startsWith('.rejects.csv.'))).toBe(true);
      run.child.kill(sig);
      // stdin is still open: the run must end on the signal, not on the end of its input.
      const res = await exitWithin(run);
      expect(res.signal).toBeNull();
      expect(res.code).toBe(128 + constants.signals[sig]);
      expect(readFileSync(join(out, 'out.csv'), 'utf8')).toBe('older output\n');
      expect(existsSync(join(out, 'rejects.csv'))).toBe(false);
      expect(hiddenFiles(out)).toEqual([]);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report.status).toBe('failed');
      expect(report.error.code).toBe('ERR_INTERRUPTED');
      expect(res.stderr).not.toMatch(/ABORT_ERR|\n\s+at /);
    });
  }
});

describe('a signal while the input is a FIFO whose writer is idle', () => {
  it('SIGINT ends the run at once, without waiting for the writer', async () => {
    const out = join(dir, 'fifo');
    mkdirSync(out);
    const fifo = join(out, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = watchCli(['process', '--hash', 'email=email_lc_sha256', '--chunk-size', '16KiB', '--in', fifo, '--out', join(out, 'out.csv'), '--report', join(out, 'report.json')]);
    // The writer opens the FIFO, writes part of the input and then stays idle with it open.
    const writer = createWriteStream(fifo);
    writer.on('error', () => {});
    writer.write(audience.subarray(0, 400_000));
    try {
      // Everything written has been read and processed: the run now waits on the idle FIFO.
      await waitForIdle(out, 'out.csv');
      run.child.kill('SIGINT');
      const res = await exitWithin(run, 5_000);
      expect(res.code).toBe(130);
      expect(hiddenFiles(out)).toEqual([]);
      expect(existsSync(join(out, 'out.csv'))).toBe(false);
      expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).error.code).toBe('ERR_INTERRUPTED');
    } finally {
      writer.destroy();
    }
  });
});

describe('SIGKILL cannot be handled', () => {
  it('leaves .part files named with host and pid, which the next run into the directory removes', async () => {
    mkdirSync(join(dir, 'kill'));
    const { out, run } = midRun('kill');
    await waitFor('output bytes in the .part file', () => partGrown(out, 'out.csv', 1));
    const pid = run.child.pid!;
    run.child.kill('SIGKILL');
    const res = await exitWithin(run);
    expect(res.signal).toBe('SIGKILL');
    const left = hiddenFiles(out);
    expect(left).toContain('.out.csv.lock');
    const parts = left.filter((n) => n.endsWith('.part'));
    expect(parts.length).toBe(2);
    for (const name of parts) expect(name).toMatch(new RegExp(`^\\.(out|rejects)\\.csv\\.${HOST}\\.${pid}\\.[0-9a-f]{8}\\.part$`));
    // A .part of another host, or of a live process of this one, is not this run's to remove.
    const foreign = [`.out.csv.otherhost.${pid}.0123abcd.part`, `.out.csv.${HOST}.${process.pid}.0123abcd.part`];
    for (const name of foreign) writeFileSync(join(out, name), 'x');

    const again = await runCli(['process', '--hash', 'email=email_lc_sha256', '--out', join(out, 'out.csv'), '--rejects', join(out, 'rejects.csv')], { input: audience });
    expect(again.code).toBe(0);
    expect(hiddenFiles(out)).toEqual(foreign.sort());
    expect(readFileSync(join(out, 'out.csv')).length).toBeGreaterThan(audience.length);
  });
});

/**
 * Memory stays bounded whatever the input size: with a reader that stops reading, the run stops
 * taking input after a bounded number of bytes, and its peak memory stays under a generous
 * bound. Byte and memory bounds, not timings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateAudience } from '../src/tools/generate/audience.js';
import { spawnCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir();
afterAll(() => cleanup());

const ROWS = 1_500_000; // about 110 MB of CSV

it('stops reading when the sink stops taking output, and finishes with bounded memory', async () => {
  const reportPath = join(dir, 'report.json');
  const child = spawnCli(['process', '--hash', 'email=email_lc_sha256', '--chunk-size', '256KiB', '--workers', '2', '--report', reportPath, '--log-level', 'warn']);
  child.stdout!.pause();
  let accepted = 0;
  let offered = 0;
  const chunks = generateAudience({ rows: ROWS, seed: 3 });

  // Feed until the child stops taking input: stdin's write returns false and no drain comes.
  const feedUntilStalled = async (): Promise<boolean> => {
    for (;;) {
      const next = chunks.next();
      if (next.done) return false;
      offered += next.value.length;
      const more = child.stdin!.write(next.value, () => (accepted += next.value.length));
      if (!more) {
        const drained = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 1500);
          child.stdin!.once('drain', () => {
            clearTimeout(t);
            resolve(true);
          });
        });
        if (!drained) return true;
      }
    }
  };
  const stalled = await feedUntilStalled();
  expect(stalled).toBe(true);
  // In flight: a few chunks, pipe buffers, stream high-water marks. Far below the 110 MB input.
  expect(accepted).toBeLessThan(40 * 1024 * 1024);
  expect(offered).toBeLessThan(60 * 1024 * 1024);

  // Now read everything and feed the rest.
  let outBytes = 0;
  child.stdout!.on('data', (d: Buffer) => (outBytes += d.length));
  child.stdout!.resume();
  for (;;) {
    const next = chunks.next();
    if (next.done) break;
    if (!child.stdin!.write(next.value)) await new Promise((r) => child.stdin!.once('drain', r));
  }
  child.stdin!.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  expect(report.recordsIn).toBe(ROWS);
  expect(report.bytesOut).toBe(outBytes);
  expect(report.maxRssBytes).toBeLessThan(300 * 1024 * 1024);
}, 180_000);

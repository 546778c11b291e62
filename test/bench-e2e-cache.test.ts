import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAudience } from '../src/tools/generate/audience.js';

// bench/e2e.mjs keys its cached inputs by a digest of the built generator; it read
// dist/generate/*.js, which the move to src/tools/generate/ left behind, so every run died
// with ENOENT before measuring anything. Uses dist/ (built by `npm test`'s pretest).
const cacheDir = mkdtempSync(join(tmpdir(), 'audience-pipe-e2e-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function e2e(): { status: number | null; stdout: string; stderr: string } {
  const args = ['bench/e2e.mjs', '--rows', '200', '--reps', '1', '--jobs', 'hash-1', '--cache-dir', cacheDir, '--json'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench/e2e.mjs input cache', () => {
  it('generates the input once, named by the generator digest, and reuses it', () => {
    const first = e2e();
    expect(first.stderr).not.toMatch(/ENOENT/);
    expect(first.status).toBe(0);
    const id = (JSON.parse(first.stdout) as { input: { generatorId: string } }).input.generatorId;
    expect(id).toMatch(/^[0-9a-f]{10}$/);
    expect(readdirSync(cacheDir)).toEqual([`audience-200-s1-${id}.csv`]);
    const cached = readFileSync(join(cacheDir, `audience-200-s1-${id}.csv`));
    expect(cached.equals(Buffer.concat([...generateAudience({ rows: 200, seed: 1 })]))).toBe(true);

    const second = e2e();
    expect(second.status).toBe(0);
    expect(second.stderr).toMatch(/reusing /);
    expect(readdirSync(cacheDir)).toHaveLength(1);
  }, 120_000);
});

/**
 * bench/stages.bench.mjs runs on the built tree: it checks the engine's stages against their
 * references before it times them (hash, AES, the chunk jobs), so a stage whose interface moved
 * fails here. A smoke test only: benchmarks are never timed tests.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('bench/stages.bench.mjs', () => {
  it('runs every stage (--quick) and prints the engine rows', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'stages.bench.mjs'), '--quick'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/chunk \(hash job\)\s+RecordEngine\.process/);
    expect(r.stdout).toMatch(/chunk \(full job\)\s+RecordEngine\.process/);
  }, 300_000);
});

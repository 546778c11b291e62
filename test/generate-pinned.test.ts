import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateAudience, type GenerateOptions } from '../src/tools/generate/audience.js';

/**
 * The generator's output is part of its contract: benchmarks cache inputs by (rows, seed) and
 * compare runs across commits, and tests elsewhere rely on the dirt it produces. These digests
 * were taken on main at 2729ea0, before the generator was split into one file per kind of field
 * (they also match `audience-pipe generate` built from 824dc5b, before the reshape), so a change
 * to the bytes or to the chunk boundaries fails here.
 */
function fingerprint(opts: GenerateOptions): { sha256: string; chunks: number[] } {
  const hash = createHash('sha256');
  const chunks: number[] = [];
  for (const chunk of generateAudience(opts)) {
    hash.update(chunk);
    chunks.push(chunk.length);
  }
  return { sha256: hash.digest('hex'), chunks };
}

describe('generateAudience output is pinned', () => {
  it.each([
    { rows: 10_000, seed: 1, sha256: '070a5f2abb92f8af14e21500b9716739ec3a17cb93c3b505966a459aa27fd74e', chunks: [714408] },
    { rows: 60_000, seed: 7, sha256: 'a2980a75081865ed7e300ab207ffd97280d3697fe2c2ec8e83d597732275abaf', chunks: [1048969, 1048773, 1050137, 1050241, 82180] },
    { rows: 3_000, seed: 0, sha256: '4f4b758292a1360c7d110f9379067378d2602665a52dce5bacb52fea1c222dec', chunks: [213757] },
    { rows: 3_000, seed: -123_456_789, sha256: 'c0cd4bef4f20b869e5a1b0e88831173f3df8cdeea2ad87bdff75898218687174', chunks: [214598] },
    { rows: 1, seed: Number.MAX_SAFE_INTEGER, sha256: '2fa71c728ea2663c4f8e63c5c021da67d9d44ddfe6fdc110227bfff4f5edab84', chunks: [122] },
  ])('rows $rows, seed $seed', ({ rows, seed, sha256, chunks }) => {
    const got = fingerprint({ rows, seed });
    expect(got).toEqual({ sha256, chunks });
  });
});

/**
 * AAM inbound output's file rules kept by the routing stage: at most 200 lines of one ID in one
 * file (the 201st and later rejected too_many_lines_for_id with their lines, counted in one
 * pass), and no empty file (the run fails with ERR_EMPTY_OUTPUT, nothing written).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkOf, filesIn, linesOf, route, type Rec } from './helpers/routed.js';

let dir: string;
let side: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ap-aam-'));
  side = mkdtempSync(join(tmpdir(), 'ap-aam-side-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(side, { recursive: true, force: true });
});

const columns = ['id', 'traits'];
const line = (id: string, k: number): Rec => ({ out: `${id}\td_sid=${k}`, probes: [id] });
const aam = { aamInbound: true, idColumn: 'id' };

describe('too_many_lines_for_id', () => {
  it('the 201st and later lines of one ID are rejected with their line numbers; other IDs are not affected', async () => {
    // 203 lines of u1 interleaved with 5 of u2, in chunks of 50.
    const all: Rec[] = [];
    for (let k = 0; k < 203; k++) {
      all.push(line('u1', k));
      if (k % 50 === 0) all.push(line('u2', k));
    }
    const chunks = Array.from({ length: Math.ceil(all.length / 50) }, (_, c) => chunkOf(all.slice(c * 50, c * 50 + 50), c * 50));
    const rejects = join(side, 'rejects.csv');
    const { error, accounting } = await route({ dir, settings: aam, columns, chunks, base: 'ftp_dpm_21_1700000000.sync', rejects });
    expect(error).toBeUndefined();
    const written = linesOf(join(dir, 'ftp_dpm_21_1700000000.sync'));
    expect(written.filter((l) => l.startsWith('u1\t'))).toHaveLength(200);
    expect(written.filter((l) => l.startsWith('u2\t'))).toHaveLength(5);
    expect(accounting.recordsRejected).toBe(3);
    expect(accounting.rejectReasons).toEqual({ too_many_lines_for_id: 3 });
    // Input lines (no header): u1's 201st line is input record 201 + the 5 u2 lines before it.
    const expectedLines = all.map((r, i) => [r, i + 1] as const).filter(([r]) => r.out.startsWith('u1\t')).slice(200).map(([, n]) => n);
    const rejectLines = readFileSync(rejects, 'utf8').split('\n').slice(1, -1);
    expect(rejectLines.map((l) => Number(l.split(',')[0]))).toEqual(expectedLines);
    expect(rejectLines[0]).toBe(`${expectedLines[0]},id,too_many_lines_for_id,u1\td_sid=200`);
    expect(accounting.imbalance()).toBeNull();
    expect(accounting.files![0].records).toBe(205);
  });

  it('the limit is per file: a new split part starts a new count', async () => {
    const all = Array.from({ length: 250 }, (_, k) => line('u1', k));
    const { error, accounting } = await route({ dir, settings: { ...aam, splitRows: 150 }, columns, chunks: [chunkOf(all)], base: 'ftp_dpm_21_1700000000.sync' });
    expect(error).toBeUndefined();
    expect(accounting.recordsRejected).toBe(0);
    expect(accounting.files!.map((f) => f.records)).toEqual([150, 100]);
  });
});

describe('an empty AAM inbound output', () => {
  it('is not written: the run fails with ERR_EMPTY_OUTPUT saying why, and nothing is published', async () => {
    const { error } = await route({ dir, settings: aam, columns, chunks: [chunkOf([])], base: 'ftp_dpm_21_1700000000.sync' });
    expect(error).toMatchObject({ code: 'ERR_EMPTY_OUTPUT', exitCode: 1 });
    expect((error as Error).message).toBe('the output has no records (0 read, 0 rejected, 0 deduplicated): AAM rejects empty files, so none was written');
    expect(filesIn(dir)).toEqual([]);
  });

  it('all records deduplicated or rejected but one key: still written; none left: ERR_EMPTY_OUTPUT', async () => {
    const r = (id: string): Rec => ({ out: `${id}\td_sid=1`, probes: [id] });
    const ok = await route({ dir, settings: { ...aam, dedupKey: ['id'] }, columns, chunks: [chunkOf([r('a'), r('a')])], base: 'f.sync' });
    expect(ok.error).toBeUndefined();
    expect(linesOf(join(dir, 'f.sync'))).toEqual(['a\td_sid=1']);
    rmSync(join(dir, 'f.sync'));
    const empty = await route({ dir, settings: { ...aam, dedupKey: ['id'] }, columns, chunks: [chunkOf([r(''), r('')])], base: 'f.sync' });
    expect(empty.error).toMatchObject({ code: 'ERR_EMPTY_OUTPUT' });
    expect((empty.error as Error).message).toContain('(2 read, 2 rejected, 0 deduplicated)');
    expect(filesIn(dir)).toEqual([]);
  });
});

/**
 * The accounting invariant checked at the end of every run: recordsIn = recordsOut +
 * recordsRejected + recordsDeduplicated, and a routed run's files hold recordsOut records. A
 * mismatch is an ERR_INTERNAL failure that publishes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunAccounting } from '../src/report/run-report.js';
import { chunkOf, filesIn, route } from './helpers/routed.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ap-invariant-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the accounting invariant', () => {
  it('holds when every record is written, rejected or deduplicated, and names the counts when not', () => {
    const a = new RunAccounting();
    a.recordsIn = 10;
    a.recordsOut = 10;
    a.moveToRejected('too_many_lines_for_id');
    a.moveToDeduplicated();
    a.moveToDeduplicated();
    expect(a.imbalance()).toBeNull();
    expect(a).toMatchObject({ recordsOut: 7, recordsRejected: 1, recordsDeduplicated: 2, rejectReasons: { too_many_lines_for_id: 1 } });
    a.recordsOut--;
    expect(a.imbalance()).toBe('recordsIn 10 != recordsOut 6 + recordsRejected 1 + recordsDeduplicated 2 (9)');
  });

  it('a chunk whose offsets do not match its written records: ERR_INTERNAL, nothing published', async () => {
    const c = chunkOf([{ out: '1,a' }, { out: '2,b' }, { out: '3,c' }]);
    const short = { ...c, result: { ...c.result, recordEnds: c.result.recordEnds!.subarray(0, 2) } };
    const { error } = await route({ dir, settings: { splitRows: 1 }, columns: ['id', 'v'], chunks: [chunkOf([{ out: '0,z' }]), short] });
    expect(error).toMatchObject({ code: 'ERR_INTERNAL', exitCode: 1, message: 'a chunk came back with 2 record offsets for 3 records written (ChunkPlan.recordEnds)' });
    expect(filesIn(dir)).toEqual([]);
  });
});

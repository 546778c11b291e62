/**
 * --partition-by: one file (or split series) per distinct value as output, from the probe values;
 * more values than --max-audiences stops the run with nothing published; two values that name one
 * file stop it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkOf, filesIn, linesOf, route, type Rec } from './helpers/routed.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ap-partition-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const columns = ['id', 'segment'];
const rec = (id: number, segment: string): Rec => ({ out: `${id},${segment}`, probes: [segment] });

describe('--partition-by', () => {
  it('writes one file per value, records in input order in each, counts adding up to recordsOut', async () => {
    const values = ['a', 'b', 'a', 'c', 'b', 'a', 'c', 'a'];
    const all = values.map((v, i) => rec(i + 1, v));
    const chunks = [chunkOf(all.slice(0, 3)), chunkOf(all.slice(3, 5), 3), chunkOf(all.slice(5), 5)];
    const { error, accounting } = await route({ dir, settings: { partitionBy: 'segment' }, columns, chunks, header: 'id,segment' });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg_a.csv', 'seg_b.csv', 'seg_c.csv']);
    for (const v of ['a', 'b', 'c']) {
      expect(linesOf(join(dir, `seg_${v}.csv`))).toEqual(['id,segment', ...all.filter((r) => r.probes![0] === v).map((r) => r.out)]);
    }
    const report = accounting.toReport({ status: 'ok', input: 'x', output: dir, durationMs: 0, workers: 1 });
    expect(report.partitions).toEqual({ a: 4, b: 2, c: 2 });
    expect(report.files!.map((f) => [f.name, f.partition, f.records])).toEqual([['seg_a.csv', 'a', 4], ['seg_b.csv', 'b', 2], ['seg_c.csv', 'c', 2]]);
    expect(report.files!.reduce((n, f) => n + f.records, 0)).toBe(report.recordsOut);
  });

  it('with --split-rows: a split series per value, numbered per partition', async () => {
    const all = [...Array.from({ length: 5 }, (_, i) => rec(i, 'x')), ...Array.from({ length: 2 }, (_, i) => rec(10 + i, 'y'))];
    const { error } = await route({ dir, settings: { partitionBy: 'segment', splitRows: 2 }, columns, chunks: [chunkOf(all)], header: 'id,segment' });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg_x.csv', 'seg_x_2.csv', 'seg_x_3.csv', 'seg_y.csv']);
    expect(linesOf(join(dir, 'seg_x_3.csv'))).toEqual(['id,segment', '4,x']);
  });

  it('values are sanitised in names: characters outside [A-Za-z0-9._-] become _', async () => {
    const { error } = await route({ dir, settings: { partitionBy: 'segment' }, columns, chunks: [chunkOf([rec(1, 'seg 1/é'), rec(2, 'ok-2.x')])] });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg_ok-2.x.csv', 'seg_seg_1__.csv']);
  });

  it('more distinct values than --max-audiences: exit 1 with the limit, the value and its line; nothing published', async () => {
    const all = ['a', 'b', 'a', 'c', 'd'].map((v, i) => rec(i + 1, v));
    const { error } = await route({ dir, settings: { partitionBy: 'segment', maxAudiences: 2 }, columns, chunks: [chunkOf(all.slice(0, 2), 1), chunkOf(all.slice(2), 3)], header: 'id,segment' });
    expect(error).toMatchObject({ code: 'ERR_TOO_MANY_AUDIENCES', exitCode: 1 });
    // Line: the header is line 1, chunk 2 starts after 3 line feeds, "c" is its second record.
    expect((error as Error).message).toBe('--partition-by segment: more than 2 distinct values (--max-audiences 2): "c" at line 5 is one too many; nothing was published');
    expect(filesIn(dir)).toEqual([]);
  });

  it('exactly --max-audiences values is fine', async () => {
    const { error } = await route({ dir, settings: { partitionBy: 'segment', maxAudiences: 2 }, columns, chunks: [chunkOf([rec(1, 'a'), rec(2, 'b'), rec(3, 'a')])] });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg_a.csv', 'seg_b.csv']);
  });

  it("two values naming one file (a b, a_b): the naming's ERR_NAME_COLLISION, nothing published", async () => {
    const { error } = await route({ dir, settings: { partitionBy: 'segment' }, columns, chunks: [chunkOf([rec(1, 'a b'), rec(2, 'a_b')])] });
    expect(error).toMatchObject({ code: 'ERR_NAME_COLLISION', exitCode: 1 });
    expect((error as Error).message).toBe("output file name seg_a_b.csv is given to two files: partition value 'a b' part 1 and 'a_b' part 1 (in names, characters outside [A-Za-z0-9._-] become _)");
    expect(filesIn(dir)).toEqual([]);
  });

  it('values are compared as bytes: two invalid UTF-8 values are two partitions, which then name one file (exit 1)', async () => {
    const bad = (id: number, b: number): Rec => ({ out: `${id},x`, probes: [Buffer.from([0x61, b])] });
    const { error } = await route({ dir, settings: { partitionBy: 'segment' }, columns, chunks: [chunkOf([bad(1, 0xff), bad(2, 0xfe), bad(3, 0xff)])] });
    expect(error).toMatchObject({ code: 'ERR_NAME_COLLISION', exitCode: 1 });
    expect((error as Error).message).toBe("--partition-by segment: the value at line 2 is not valid UTF-8 and reads as another partition's ('a\uFFFD'): their files would have one name; nothing was published");
    expect(filesIn(dir)).toEqual([]);
  });

  it('an empty value is a partition of its own', async () => {
    const { error, accounting } = await route({ dir, settings: { partitionBy: 'segment' }, columns, chunks: [chunkOf([rec(1, ''), rec(2, 'a'), rec(3, '')])] });
    expect(error).toBeUndefined();
    expect(accounting.files!.map((f) => [f.name, f.partition, f.records])).toEqual([['seg_.csv', '', 2], ['seg_a.csv', 'a', 1]]);
  });

  it('a partition column the input lacks is a configuration error (exit 2) naming it', async () => {
    const { probePlan } = await import('../src/pipeline/route-settings.js');
    expect(() => probePlan({ maxAudiences: 25, aamInbound: false, writeInfo: false, gzip: false, partitionBy: 'audience' }, columns)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', exitCode: 2, message: '--partition-by: no column "audience" in the input (columns: id, segment)' }),
    );
  });
});

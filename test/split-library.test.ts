/**
 * Routing from the library: processFile with splitRows / partitionBy / dedupKey writes the files
 * and returns the report with files[] and recordsDeduplicated; a failed run throws with the code
 * and publishes nothing.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-split-lib-');
afterAll(cleanup);
const input = join(dir, 'in.csv');
writeFileSync(input, `id,email,tier\n${Array.from({ length: 12 }, (_, i) => `${i},u${i % 5}@x.org,${i % 3 ? 'a' : 'b'}`).join('\n')}\n`);

describe('processFile with routing options', () => {
  it('splits, partitions and dedups, returning files[] that add up to recordsOut', async () => {
    const { processFile } = await import(`${ROOT}/dist/index.js`);
    const out = join(dir, 'out');
    mkdirSync(out);
    const report = await processFile({ in: input, out: `${out}/`, name: 'aud.csv', partitionBy: 'tier', splitRows: 2, dedupKey: 'email', hash: 'email=email_lc_sha256', workers: 1 });
    // Dedup is per partition: u1 in both tiers is kept in each.
    expect(report).toMatchObject({ status: 'ok', recordsIn: 12, recordsOut: 9, recordsDeduplicated: 3 });
    expect(readdirSync(out).sort()).toEqual(report.files.map((f: { name: string }) => f.name).sort());
    expect(report.files.reduce((n: number, f: { records: number }) => n + f.records, 0)).toBe(9);
    expect(report.partitions).toEqual({ b: 4, a: 5 });
  });

  it('a failed routed run throws with its code and publishes nothing', async () => {
    const { processFile } = await import(`${ROOT}/dist/index.js`);
    const out = join(dir, 'out-failed');
    mkdirSync(out);
    await expect(processFile({ in: input, out: `${out}/`, name: 'aud.csv', partitionBy: 'id', maxAudiences: 3, workers: 1 })).rejects.toMatchObject({ code: 'ERR_TOO_MANY_AUDIENCES', exitCode: 1, report: { status: 'failed' } });
    expect(readdirSync(out)).toEqual([]);
  });
});

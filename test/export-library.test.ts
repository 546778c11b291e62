/**
 * exportAudience as a library call (dist/index.js, whose pool runs the built workers): a job given as an object, the outcome's
 * counts, a ConfigError before any output for a bad alias, a failed run as the outcome's error
 * with nothing published.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const { ConfigError, exportAudience, parseJob } = await import(`${ROOT}/dist/index.js`);

const { dir, cleanup } = tempDir('ap-export-lib-');
afterAll(cleanup);
writeFileSync(join(dir, 'p.csv'), 'id,crm\nA,x1\nB,\nC,x3\n');
const job = parseJob({ profiles: { path: 'p.csv', id: 'id', fields: [] }, dataSources: [{ label: 'crm', alias: 'CRM', dpid: 42, type: 'declared', key: 'crm', protection: { hash: 'sha256' }, priority: 1 }] }, { baseDir: dir });

describe('exportAudience', () => {
  it('writes the AAM file and returns the counts', async () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const outcome = await exportAudience({ job, alias: 'CRM', traits: ['d_sid=5'], out: `${out}/`, unusable: join(dir, 'u.csv'), process: { timestamp: 1700000000, workers: 1 } });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.export).toMatchObject({ profilesRead: 3, exported: 2, unusable: 1, unusableByReason: { empty: 1 }, rejected: 0, dpid: 42 });
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    expect(readFileSync(join(out, 'ftp_dpm_42_1700000000.sync'), 'utf8')).toBe(`${sha('x1')}\td_sid=5\n${sha('x3')}\td_sid=5\n`);
    expect(readFileSync(join(dir, 'u.csv'), 'utf8')).toBe('id,reason\nB,empty\n');
    expect(outcome.fullReport.export).toEqual(outcome.export);
  });

  it('a bad alias is a ConfigError; a run over --max-rejects is a failed outcome with nothing published', async () => {
    await expect(exportAudience({ job, alias: 'X', traits: ['d_sid=5'], out: `${dir}/` })).rejects.toBeInstanceOf(ConfigError);
    const out = join(dir, 'out2');
    mkdirSync(out);
    const failed = await exportAudience({ job, alias: 'CRM', traits: ['d_sid=5'], out: `${out}/`, unusable: join(dir, 'u2.csv'), process: { maxRejects: '0' } });
    expect(failed.exitCode).toBe(1);
    expect(failed.report.error?.code).toBe('ERR_TOO_MANY_REJECTS');
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(dir)).not.toContain('u2.csv');
  });
});

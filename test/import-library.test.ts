/**
 * import-audience as a library call (src/index.ts importAudience): the same run as the CLI's,
 * the report returned, a failure thrown with its code and report; malformed AAM rows (invalid
 * UTF-8, CRLF line ends, blank lines) rejected or read as the formats issue reads them, and
 * counted: recordsIn = matched + unmatched + rejected.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';
import { expectAccounted, readCsv, writeJob } from './helpers/import.js';
import { generateProfiles } from './helpers/profiles.js';

const { dir, cleanup } = tempDir('ap-import-lib-');
afterAll(cleanup);
const ROWS = generateProfiles(200, 5);
const JOB = writeJob(dir, ROWS);
const ecids = ROWS.map((r) => r.ecid).filter((e) => e.trim() !== '');

// The built library: its worker threads run dist/ (as a program that embeds it would).
type Lib = { importAudience: (o: Record<string, unknown>) => Promise<Record<string, unknown>>; AudiencePipeError: new (...a: never[]) => Error };
const { importAudience, AudiencePipeError } = (await import(`${ROOT}/dist/index.js`)) as Lib;
type AudiencePipeError = Error & { code: string; exitCode: number };

describe('importAudience()', () => {
  it('returns the report of a run with CRLF lines, a blank line and an ID of invalid UTF-8', async () => {
    const input = join(dir, 'in.sync');
    const bad = Buffer.from([0x66, 0xff, 0xfe, 0x20, 0x31, 0x0d, 0x0a]);
    writeFileSync(input, Buffer.concat([Buffer.from(`${ecids[0]} 1,2 3\r\n\r\n${ecids[1]}\t7\r\n`), bad, Buffer.from('stranger 9\r\n')]));
    const out = join(dir, 'out.csv');
    const rejects = join(dir, 'rejects.csv');
    const report = await importAudience({ job: JOB, in: input, out, alias: 'S8', rejects, workers: 1 });
    expectAccounted(report);
    expect(report.status).toBe('ok');
    expect(report.recordsIn).toBe(4);
    expect(report.recordsMatched).toBe(2);
    expect(report.recordsRejected).toBe(1);
    expect(report.rejectReasons).toEqual({ invalid_utf8: 1 });
    expect(report.recordsUnmatched).toBe(1);
    expect(report.blankLines).toBe(1);
    const first = ROWS.find((r) => r.ecid === ecids[0])!;
    expect(readCsv(out)[1]).toEqual([ecids[0], first.recipient_id, 'source 8 (plain)', '1,2', '3', ...[]]);
    expect(readFileSync(rejects, 'utf8').split('\n')[1]).toMatch(/^4,id,invalid_utf8,/);
  });

  it('a hashed source (IDs decoded as 64 hex digits where they lie): 64 bytes of invalid UTF-8 rejected, of other text unmatched, of either case matched', async () => {
    const crm = ROWS.map((r) => r.crm_id.trim()).find((c) => c !== '')!;
    const first = ROWS.find((r) => r.crm_id.trim() === crm)!;
    const digest = createHash('sha256').update(crm).digest('hex');
    const input = join(dir, 'hashed.sync');
    const lines = [
      Buffer.from(`${digest.toUpperCase()} 1\n`),
      Buffer.concat([Buffer.from(digest.slice(0, 62)), Buffer.from([0xff, 0xfe]), Buffer.from(' 2\n')]),
      Buffer.from(`${digest.slice(0, 62)}\u00e9 3\n${digest.slice(0, 63)}g 4\n${digest} 5\n`),
    ];
    writeFileSync(input, Buffer.concat(lines));
    const out = join(dir, 'hashed.csv');
    const unmatched = join(dir, 'hashed.unmatched.csv');
    const report = await importAudience({ job: JOB, in: input, out, alias: 'S0', unmatched, rejects: join(dir, 'hashed.rejects.csv'), workers: 1 });
    expectAccounted(report);
    expect([report.recordsMatched, report.recordsRejected, report.recordsUnmatched]).toEqual([2, 1, 2]);
    expect(report.rejectReasons).toEqual({ invalid_utf8: 1 });
    expect(readCsv(out).slice(1).map((r) => [r[0], r[1], r[3]])).toEqual([[digest.toUpperCase(), first.recipient_id, '1'], [digest, first.recipient_id, '5']]);
    expect(readCsv(unmatched).slice(1)).toEqual([['3', `${digest.slice(0, 62)}\u00e9`, 'invalid_id'], ['4', `${digest.slice(0, 63)}g`, 'invalid_id']]);
    // Fields between TABs keep their spaces: the ID is matched trimmed and written as received.
    const tabbed = join(dir, 'hashed-tabs.sync');
    writeFileSync(tabbed, ` ${digest} \t1\t\n${digest.toUpperCase()}\t2\t3\n`);
    const tabReport = await importAudience({ job: JOB, in: tabbed, out, alias: 'S0', fieldSeparator: '\t', workers: 1 });
    expect(tabReport.recordsMatched).toBe(2);
    expect(readFileSync(out, 'utf8').split('\n').slice(1, 3).map((line) => line.split(',')[0])).toEqual([` ${digest} `, digest.toUpperCase()]);
  });

  it('throws the run error with its code, and a ConfigError for a bad option', async () => {
    const input = join(dir, 'strangers.sync');
    writeFileSync(input, 'a 1\nb 2\n');
    const err = await importAudience({ job: JOB, in: input, out: join(dir, 'o2.csv'), alias: 'S8', maxUnmatched: '1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudiencePipeError);
    expect((err as AudiencePipeError).code).toBe('ERR_TOO_MANY_UNMATCHED');
    expect(((err as { report: Record<string, unknown> }).report).recordsUnmatched).toBe(2);
    const cfg = await importAudience({ job: JOB, in: input, out: join(dir, 'o3.csv'), fields: ['nope'] }).catch((e: unknown) => e);
    expect((cfg as AudiencePipeError).exitCode).toBe(2);
  });
});

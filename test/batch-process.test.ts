/**
 * `process` on a batch with a `.info` (the AAM outbound fixture batch, and tampered copies of it):
 * verified before any output exists, so a damaged batch (one byte changed, one line removed, a
 * part missing, a part not listed) stops the run with exit 1, its code in the report and no file
 * published; the .info is found beside a directory or a glob's files, or named with --info.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { logLines, ROOT, runCli, tempDir } from './helpers/cli.js';

const FIXTURE = join(ROOT, 'fixtures', 'aam-outbound');
const ROOT_NAME = 'ftp_1234_20915_iter_1486140843000';
const INFO = `${ROOT_NAME}.info`;
const P1 = `${ROOT_NAME}001.sync`;
const P2 = `${ROOT_NAME}002.sync`;
const P3 = `${ROOT_NAME}003.sync.gz`;
const { dir, cleanup } = tempDir('ap-batch-process-');
afterAll(cleanup);
const JOB = ['--from', 'aam-outbound', '--hash', 'id=sha256'];

let copies = 0;
function batchCopy(): string {
  const to = join(dir, `batch-${++copies}`);
  cpSync(FIXTURE, to, { recursive: true });
  return to;
}

/** Runs process on `input`, to a file in a fresh output directory; returns the result, the report and what the directory holds after. */
async function run(input: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; report: Record<string, unknown>; published: string[]; out: string }> {
  const outDir = join(dir, `out-${++copies}`);
  mkdirSync(outDir);
  const out = join(outDir, 'aud.csv');
  const reportPath = join(dir, `report-${copies}.json`);
  const res = await runCli(['process', '--in', input, '--out', out, ...JOB, '--report', reportPath, ...extra]);
  return { code: res.code, stderr: res.stderr, report: JSON.parse(readFileSync(reportPath, 'utf8')) as Record<string, unknown>, published: readdirSync(outDir), out };
}

describe('a complete batch', () => {
  it('a directory: verified, every part read in order, the inputs named with their metadata', async () => {
    const r = await run(`${FIXTURE}/`);
    expect(r.code).toBe(0);
    expect(logLines(r.stderr).find((l) => l.event === 'batch_verified')).toMatchObject({ info: INFO, files: 3 });
    expect(r.report).toMatchObject({ status: 'ok', recordsIn: 10, recordsOut: 10, recordsRejected: 0, blankLines: 1, bytesIn: 537 });
    expect(r.report.batch).toEqual({ info: INFO, files: 3, bytes: 537, lines: 11 });
    expect(r.report.inputs).toEqual([1, 2, 3].map((part) => ({
      name: [P1, P2, P3][part - 1],
      pattern: 'aam-outbound',
      syncType: 'ftp',
      destination: '1234',
      dpid: 20915,
      mode: 'iter',
      timestamp: '2017-02-03T16:54:03.000Z',
      timestampRaw: '1486140843000',
      part,
      extension: 'sync',
      gzip: part === 3,
    })));
    const rows = parse(readFileSync(r.out), { columns: true }) as { id: string; segments: string }[];
    expect(rows).toHaveLength(10);
    expect(rows[0].segments).toBe('4521,4533,4590');
    expect(rows[9].segments).toBe('4533');
  });

  it("a glob of the batch's parts finds the .info named after them", async () => {
    const r = await run(join(FIXTURE, `${ROOT_NAME}*.sync*`));
    expect(r.code).toBe(0);
    expect(logLines(r.stderr).some((l) => l.event === 'batch_verified')).toBe(true);
    expect(r.report).toMatchObject({ status: 'ok', recordsIn: 10 });
  });

  it('--info names the .info when it is elsewhere', async () => {
    const b = batchCopy();
    const moved = `moved-${copies}.info`;
    const infoPath = join(dir, moved);
    cpSync(join(b, INFO), infoPath);
    rmSync(join(b, INFO));
    const r = await run(`${b}/`, ['--info', infoPath]);
    expect(r.code).toBe(0);
    expect(logLines(r.stderr).find((l) => l.event === 'batch_verified')).toMatchObject({ info: moved });
  });

  it('an --info that does not exist: exit 1 ERR_INFO naming --info, nothing written', async () => {
    const missing = join(dir, 'no-such.info');
    const r = await run(`${FIXTURE}/`, ['--info', missing]);
    expect(r.code).toBe(1);
    expect(r.report.error).toEqual({ code: 'ERR_INFO', message: `--info: cannot read ${missing}: ENOENT` });
    expect(r.published).toEqual([]);
  });

  it('a single part checked with --info against a .info that lists three: the others are missing', async () => {
    const r = await run(join(FIXTURE, P1), ['--info', join(FIXTURE, INFO)]);
    expect(r.code).toBe(1);
    expect(r.report.error).toMatchObject({ code: 'ERR_INFO_PART_MISSING' });
    expect(r.published).toEqual([]);
  });
});

describe('a damaged batch publishes nothing', () => {
  async function expectRefused(batch: string, code: string, message: string): Promise<void> {
    const r = await run(`${batch}/`);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ status: 'failed', error: { code }, recordsIn: 0, recordsOut: 0 });
    expect((r.report.error as { message: string }).message).toContain(message);
    expect(r.stderr).toContain(message);
    expect(r.published).toEqual([]);
    expect(existsSync(r.out)).toBe(false);
  }

  it('one byte changed', async () => {
    const b = batchCopy();
    const bytes = readFileSync(join(b, P2));
    bytes[10] = bytes[10] === 0x30 ? 0x31 : 0x30;
    writeFileSync(join(b, P2), bytes);
    await expectRefused(b, 'ERR_INFO_MISMATCH', `${P2}: md5 expected 15d448081e1548167cadb6ddb4bea11f, actual `);
  });

  it('one line removed (the blank one: the rows stay valid, only the count tells)', async () => {
    const b = batchCopy();
    const text = readFileSync(join(b, P2), 'latin1');
    writeFileSync(join(b, P2), text.replace('\r\n\r\n', '\r\n'), 'latin1');
    await expectRefused(b, 'ERR_INFO_MISMATCH', `${P2}: FileByteSize expected 172, actual 170; md5 expected 15d448081e1548167cadb6ddb4bea11f, actual `);
    await expectRefused(b, 'ERR_INFO_MISMATCH', 'FileLineCount expected 4, actual 3');
  });

  it('one line removed from the gzip part', async () => {
    const b = batchCopy();
    const text = gunzipSync(readFileSync(join(b, P3))).toString();
    writeFileSync(join(b, P3), gzipSync(text.slice(text.indexOf('\n') + 1)));
    await expectRefused(b, 'ERR_INFO_MISMATCH', 'FileLineCount expected 3, actual 2');
  });

  it('a part missing', async () => {
    const b = batchCopy();
    rmSync(join(b, P3));
    await expectRefused(b, 'ERR_INFO_PART_MISSING', `${P3}: listed in ${INFO} (FileSequenceNumber 3) but not found`);
  });

  it('an extra part that is not listed', async () => {
    const b = batchCopy();
    writeFileSync(join(b, `${ROOT_NAME}004.sync`), 'abc 4521\n');
    await expectRefused(b, 'ERR_INFO_PART_UNLISTED', `${ROOT_NAME}004.sync: not listed in ${INFO}`);
  });

  it('a .info that does not parse', async () => {
    const b = batchCopy();
    writeFileSync(join(b, INFO), '{Files: [}');
    await expectRefused(b, 'ERR_INFO', `${INFO}: not a JSON or JSON5 body: invalid character '}' at 1:10`);
  });

  it('two .info files in a directory, neither named after its files', async () => {
    const b = batchCopy();
    cpSync(join(b, INFO), join(b, 'other.info'));
    rmSync(join(b, INFO));
    cpSync(join(b, 'other.info'), join(b, 'third.info'));
    await expectRefused(b, 'ERR_INFO', '2 .info files (other.info, third.info) and none is named after every file of the directory; give --info <path>');
  });

  it('a dry run checks the batch too, and writes nothing', async () => {
    const b = batchCopy();
    rmSync(join(b, P1));
    const res = await runCli(['process', '--in', `${b}/`, ...JOB, '--dry-run']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${P1}: listed in ${INFO} (FileSequenceNumber 1) but not found`);
  });
});

describe('a directory or glob without .info', () => {
  it('is read without a check, and one .info of another batch beside a glob is ignored', async () => {
    const b = batchCopy();
    rmSync(join(b, INFO));
    writeFileSync(join(b, 'ftp_9_9_full_1486140999000.info'), '{not even json');
    const r = await run(join(b, `${ROOT_NAME}*`));
    expect(r.code).toBe(0);
    expect(logLines(r.stderr).some((l) => l.event === 'batch_verified')).toBe(false);
    expect(r.report).toMatchObject({ status: 'ok', recordsIn: 10 });
    expect(r.report).not.toHaveProperty('batch');
  });
});

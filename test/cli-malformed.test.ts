/**
 * Issue #8's malformed inputs through the built CLI and the real worker pool: stray quotes never
 * leak clear text, a bad record costs only itself, CR-only files are read, and the outcome (output,
 * reject file, report counts) is the same at every chunk size and worker count.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir('ap-malformed-');
afterAll(() => tmp.cleanup());

interface Run { code: number | null; stdout: string; stderr: string; rejects: string; report: Record<string, any> }

let runs = 0;
async function run(input: Buffer, args: string[]): Promise<Run> {
  const n = runs++;
  const inPath = join(tmp.dir, `in-${n}.csv`);
  const rejects = join(tmp.dir, `rejects-${n}.csv`);
  const report = join(tmp.dir, `report-${n}.json`);
  writeFileSync(inPath, input);
  const res = await runCli(['process', '--in', inPath, '--rejects', rejects, '--report', report, ...args]);
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { code: res.code, stdout: res.stdout.toString('utf8'), stderr: res.stderr, rejects: read(rejects), report: JSON.parse(read(report) || '{}') };
}

const HASH = ['--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256'];
const phone = (i: number): string => `+1415555${String(1000 + i).padStart(4, '0')}`;

describe('stray quotes never leak clear text', () => {
  it("the issue's 5'10\" tall and 6'2\" tall notes: every row hashed, no reject, with 1 and 3 workers", async () => {
    const rows = ['id,email,phone,note'];
    for (let i = 1; i <= 10; i++) rows.push(`${i},p${i}@example.com,${phone(i)},${i === 5 ? `5'10" tall` : i === 8 ? `6'2" tall` : 'ok'}`);
    const input = Buffer.from(rows.join('\n') + '\n');
    for (const workers of ['1', '3']) {
      for (const chunk of ['1', '64', '1MiB']) {
        const r = await run(input, [...HASH, '--workers', workers, '--chunk-size', chunk]);
        expect(r.code).toBe(0);
        expect(r.stdout).not.toMatch(/@example\.com|\+1415/);
        expect(r.report.recordsOut).toBe(10);
        expect(r.report.recordsRejected).toBe(0);
        expect(r.stdout.split('\n')[5]).toMatch(/^5,[0-9a-f]{64},[0-9a-f]{64},5'10" tall$/);
      }
    }
  });
});

describe('a bad record costs only itself', () => {
  it("the issue's unterminated quote in row 10 of 1,000: one bad_quote reject for line 11, 999 rows out", async () => {
    const rows = ['id,email,phone,note'];
    for (let i = 1; i <= 1000; i++) rows.push(`${i},p${i}@example.com,${phone(i)},${i === 10 ? '"never closed' : 'n'}`);
    const input = Buffer.from(rows.join('\n') + '\n');
    const seen = new Set<string>();
    for (const [workers, chunk] of [['1', '1MiB'], ['3', '100'], ['3', '4MiB']]) {
      const r = await run(input, [...HASH, '--workers', workers, '--chunk-size', chunk]);
      expect(r.code).toBe(0);
      expect(r.report.recordsOut).toBe(999);
      expect(r.report.rejectReasons).toEqual({ bad_quote: 1 });
      expect(r.rejects).toBe('line,column,reason,record\n11,,bad_quote,"10,p10@example.com,+14155551010,""never closed"\n');
      expect(r.stdout).not.toMatch(/@example\.com/);
      seen.add(r.stdout);
    }
    expect(seen.size).toBe(1);
  });

  it("the issue's 1.5 MB quoted multi-line note in row 4 of 30: one record_too_large reject, the 29 other rows out", async () => {
    const note = Array.from({ length: 4618 }, (_, i) => `line ${i} of the note`.padEnd(330, '.')).join('\n');
    const rows = ['id,email,phone,note'];
    for (let i = 1; i <= 30; i++) rows.push(`${i},p${i}@example.com,${phone(i)},${i === 4 ? `"${note}"` : 'n'}`);
    const input = Buffer.from(rows.join('\n') + '\n');
    const outcomes = new Set<string>();
    for (const [workers, chunk] of [['1', '64KiB'], ['3', '1MiB'], ['3', '4MiB']]) {
      const r = await run(input, [...HASH, '--workers', workers, '--chunk-size', chunk]);
      expect(r.code).toBe(0);
      expect(r.report.recordsOut).toBe(29);
      expect(r.report.rejectReasons).toEqual({ record_too_large: 1 });
      expect(r.report.rejectsTruncated).toBe(1);
      outcomes.add(r.stdout + r.rejects);
    }
    expect(outcomes.size).toBe(1);
  });

  it.each([
    ['one 5 MB line', (i: number) => `${i},p${i}@example.com,${phone(i)},${'x'.repeat(5 << 20)}`],
    ['a 5 MB quoted multi-line field', (i: number) => `${i},p${i}@example.com,${phone(i)},"${'y'.repeat(1000).concat('\n').repeat(5 << 10)}"`],
  ])('record_5mb (%s): the same reject file, output and report at every chunk size and worker count', async (_name, big) => {
    const rows = ['id,email,phone,note'];
    for (let i = 1; i <= 20; i++) rows.push(i === 7 ? big(i) : `${i},p${i}@example.com,${phone(i)},n`);
    const input = Buffer.from(rows.join('\n') + '\n');
    const outcomes = new Set<string>();
    for (const [workers, chunk] of [['1', '64KiB'], ['1', '1MiB'], ['3', '4MiB'], ['3', '8MiB']]) {
      const r = await run(input, [...HASH, '--workers', workers, '--chunk-size', chunk]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.report.recordsOut).toBe(19);
      expect(r.report.rejectReasons).toEqual({ record_too_large: 1 });
      expect(r.report.rejectsTruncated).toBe(1);
      const [, line] = r.rejects.split('\n');
      expect(line.startsWith('8,,record_too_large,')).toBe(true);
      // The record field keeps 65,536 bytes of the record (quoted in the reject file when it must be).
      expect(line.length).toBeLessThan(65536 + 200);
      outcomes.add(JSON.stringify([r.stdout, r.rejects, r.report.recordsIn, r.report.recordsRejected]));
    }
    expect(outcomes.size).toBe(1);
  });

  it('cuts a long reject text at 65,536 bytes and counts it in rejectsTruncated', async () => {
    const long = 'é'.repeat(40_000); // 80,000 bytes: the cut falls inside a character and backs off
    const good = Array.from({ length: 10 }, (_, i) => `${i + 3},p${i}@example.com,${phone(i)},n\n`).join('');
    const input = Buffer.from(`id,email,phone,note\n1,a,b\n2,x,y,${long},extra\n${good}`);
    const r = await run(input, HASH);
    expect(r.code).toBe(0);
    expect(r.report.rejectsTruncated).toBe(1);
    const lines = r.rejects.split('\n');
    expect(lines[1]).toBe('2,,field_count,"1,a,b"');
    const cut = lines[2];
    expect(cut.startsWith('3,,field_count,"2,x,y,é')).toBe(true);
    expect(Buffer.byteLength(cut.slice('3,,field_count,"'.length, -1))).toBe(65536);
  });
});

describe('line ends', () => {
  it('reads a CR-only file (Excel for Mac) and writes LF lines, every e-mail and phone hashed', async () => {
    const rows = ['id,email,phone,note'];
    for (let i = 1; i <= 100; i++) rows.push(`${i},p${i}@example.com,${phone(i)},${i === 50 ? '"two\rlines"' : 'n'}`);
    const input = Buffer.from(rows.join('\r') + '\r');
    for (const workers of ['1', '3']) {
      const r = await run(input, [...HASH, '--workers', workers, '--chunk-size', '1KiB']);
      expect(r.code).toBe(0);
      expect(r.report.recordsOut).toBe(100);
      expect(r.stdout).not.toMatch(/@example\.com|\+1415/);
      const lines = r.stdout.split('\n');
      expect(lines.length).toBe(102);
      expect(lines[0]).toBe('id,email,phone,note');
      expect(lines[50]).toMatch(/^50,[0-9a-f]{64},[0-9a-f]{64},"two\rlines"$/);
    }
  });

  it('a header with no line end within --max-record-bytes stays exit 1, naming the likely cause', async () => {
    const unclosed = await run(Buffer.from(`id,"email\n${'1,x\n'.repeat(400)}`), ['--max-record-bytes', '1KiB', '--hash', 'email=sha256']);
    expect(unclosed.code).toBe(1);
    expect(unclosed.stderr).toMatch(/header record does not end within --max-record-bytes \(1024 bytes\): a quote opened at byte 4 of the header does not close/);
    const noLineEnd = await run(Buffer.alloc(4096, 0x61), ['--max-record-bytes', '1KiB', '--hash', 'email=sha256']);
    expect(noLineEnd.code).toBe(1);
    expect(noLineEnd.stderr).toMatch(/no line end \(LF, CRLF or CR\)/);
  });
});

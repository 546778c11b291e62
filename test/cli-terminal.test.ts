/**
 * The CLI at a terminal (a real pty through util-linux `script`) and off one: progress with
 * percent and ETA redrawn in place while the input's size is known, a short human summary at the
 * end, errors as one line plus a hint, `--log-format`; off a terminal, NDJSON and nothing else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressText } from '../src/pipeline/progress.js';
import { runCli, tempDir } from './helpers/cli.js';
import { runInPty, screen } from './helpers/pty.js';

const { dir, cleanup } = tempDir('ap-terminal-');
let input: string;
let csv: Buffer;
let server: Server;
let origin: string;

beforeAll(async () => {
  const rows = ['email,crm_id'];
  for (let i = 0; i < 40000; i++) rows.push(i % 1000 === 7 ? `not-an-email-${i},${i}` : `User${i}@Example.com,${i}`);
  csv = Buffer.from(rows.join('\n') + '\n');
  input = join(dir, 'in.csv');
  writeFileSync(input, csv);
  // Half the body, a pause long enough for several progress frames, then the rest.
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(csv.length) });
    res.write(csv.subarray(0, csv.length >> 1));
    setTimeout(() => res.end(csv.subarray(csv.length >> 1)), 2000);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cleanup();
});

const JOB = ['--hash', 'email=email_lc_sha256', '--chunk-size', '64KiB', '--max-rejects', 'none'];

describe('progressText', () => {
  it('shows percent and ETA when the size is known, rows/s, MB/s and rejects always', () => {
    const text = progressText({ elapsedMs: 2000, recordsIn: 3_000_000, recordsRejected: 12, bytesIn: 200e6, totalBytes: 800e6 });
    expect(text).toBe(' 25%  3,000,000 records  1.50M rows/s  100.0 MB/s  12 rejected  ETA 6s');
  });

  it('without a size: no percent, no ETA', () => {
    expect(progressText({ elapsedMs: 500, recordsIn: 900, recordsRejected: 0, bytesIn: 1e6, totalBytes: undefined })).toBe('900 records  1.8k rows/s  2.0 MB/s  0 rejected');
  });

  it('an ETA past a minute reads m:ss', () => {
    expect(progressText({ elapsedMs: 10_000, recordsIn: 1, recordsRejected: 0, bytesIn: 1e6, totalBytes: 9.1e6 })).toMatch(/ETA 1:21$/);
  });
});

describe('on a terminal', () => {
  it('draws percent, ETA, rows/s, MB/s and rejects in place while an HTTP input arrives, then a short summary', async () => {
    const out = join(dir, 'http-out.csv');
    const rejects = join(dir, 'http-rejects.csv');
    const report = join(dir, 'http-report.json');
    // One worker: fewer chunks in flight, so records are counted well before the pause ends.
    const r = await runInPty(['process', '--in', `${origin}/aud.csv`, '--out', out, '--rejects', rejects, '--report', report, ...JOB, '--workers', '1']);
    expect(r.code, r.raw).toBe(0);
    const frames = r.raw.split('\r').filter((f) => / rejected {2}ETA /.test(f));
    const midway = frames.map((f) => /^ *(\d+)% {2}([\d,]+) records {2}[\d.]+[kM]? rows\/s {2}[\d.]+ MB\/s {2}([\d,]+) rejected {2}ETA \d/.exec(f)).filter((m) => m !== null);
    expect(midway.some((m) => Number(m[1]) >= 40 && Number(m[1]) <= 60 && Number(m[2].replaceAll(',', '')) > 0), frames.join('\n')).toBe(true);
    expect(midway.some((m) => Number(m[3]) > 0)).toBe(true);
    const lines = screen(r.raw).filter(Boolean);
    expect(lines).toEqual([
      expect.stringMatching(/^done in \d+\.\d\ds: 40,000 records in, 39,960 out, 40 rejected \(40 invalid_email\)$/),
      expect.stringMatching(/^ {2}[\d,]+ rows\/s, [\d.]+ MB\/s, [\d.]+ MB in, [\d.]+ MB out, 1 worker$/),
      `  output   ${out}`,
      `  rejects  ${rejects}`,
      `  report   ${report}`,
    ]);
    expect(JSON.parse(readFileSync(report, 'utf8')).recordsRejected).toBe(40);
  });

  it('an input of unknown size (a pipe) shows records, rates and rejects, without percent or ETA', async () => {
    const half = csv.length >> 1;
    const slowPipe = `{ head -c ${half} '${input}'; sleep 1; tail -c +${half + 1} '${input}'; }`;
    const r = await runInPty(['process', '--out', join(dir, 'p.csv'), ...JOB], { stdin: slowPipe });
    expect(r.code, r.raw).toBe(0);
    const frames = r.raw.split('\r').filter((f) => / rejected/.test(f) && !f.startsWith('done'));
    expect(frames.some((f) => /^[\d,]+ records {2}[\d.]+[kM]? rows\/s {2}[\d.]+ MB\/s {2}[\d,]+ rejected\x1b\[K/.test(f)), frames.join('\n')).toBe(true);
    expect(frames.some((f) => /%|ETA/.test(f))).toBe(false);
    expect(screen(r.raw).find((l) => l.startsWith('done'))).toMatch(/^done in .*: 40,000 records in, 39,960 out, 40 rejected/);
  });

  it('warnings read as one line each, above the progress, in pretty format', async () => {
    const r = await runInPty(['process', '--in', input, '--out', join(dir, 'w.csv'), '--hash', 'crm_id=phone_sha256', '--max-rejects', 'none']);
    expect(r.code).toBe(0);
    const lines = screen(r.raw).filter(Boolean);
    expect(lines[0]).toMatch(/^warning: phone numbers without a country code .* pass --default-country/);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
  });

  it('an error is one readable line plus a hint, exit 1', async () => {
    const r = await runInPty(['process', '--in', join(dir, 'missing.csv'), '--out', join(dir, 'x.csv'), '--hash', 'email=email_lc_sha256']);
    expect(r.code).toBe(1);
    const lines = screen(r.raw).filter(Boolean);
    expect(lines[0]).toMatch(/^error: --in: cannot read .*missing\.csv: ENOENT \(ERR_INPUT\)$/);
    expect(lines[1]).toMatch(/^hint: check that --in names a readable CSV file/);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
  });

  it('a configuration error is its line plus a hint, exit 2', async () => {
    const r = await runInPty(['process', '--in', input, '--hash', 'email=md5']);
    expect(r.code).toBe(2);
    const lines = screen(r.raw).filter(Boolean);
    expect(lines).toEqual([expect.stringMatching(/^audience-pipe: --hash/), expect.stringMatching(/^hint: audience-pipe <command> --help lists the options/)]);
  });

  it('--log-format json keeps NDJSON at a terminal, and the progress line leaves nothing on the screen', async () => {
    const r = await runInPty(['process', '--in', `${origin}/aud.csv`, '--out', join(dir, 'j.csv'), ...JOB, '--log-format', 'json']);
    expect(r.code).toBe(0);
    const lines = screen(r.raw).filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toContain('done');
  });
});

describe('off a terminal', () => {
  it('stderr carries NDJSON lines and nothing else: no progress, no summary text', async () => {
    const r = await runCli(['process', '--in', input, '--out', join(dir, 'off.csv'), ...JOB, '--hash', 'crm_id=phone_sha256']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\r');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('--log-format pretty off a terminal prints the summary lines, without any progress drawing', async () => {
    const r = await runCli(['process', '--in', input, '--out', join(dir, 'off2.csv'), ...JOB, '--log-format', 'pretty']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\r|\x1b/);
    expect(r.stderr).toMatch(/^warning: 40 rejected records .*\ndone in .*: 40,000 records in, 39,960 out, 40 rejected \(40 invalid_email\)\n/);
  });

  it('--log-format other than json or pretty is a usage error, exit 2', async () => {
    const r = await runCli(['process', '--in', input, '--hash', 'email=email_lc_sha256', '--log-format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--log-format: must be json or pretty, got 'xml'");
    expect(r.stdout.length).toBe(0);
  });
});

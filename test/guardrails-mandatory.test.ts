/**
 * The Campaign destination's guardrails that plan-output and the converting writer check:
 * --mandatory (rejects with the column, counts), --membership-status (the added column, the
 * warning without it) and --max-fields (exit 2 naming the limit and the count).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli, tempDir } from './helpers/cli.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('ap-guard-')));
afterAll(() => cleanup());

const write = (name: string, text: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('--mandatory', () => {
  it('rejects records with an empty or blank value, with the column in the reject file, and counts them', async () => {
    const file = write('m.csv', 'id,email,name\r\n1,a@x.org,Ann\r\n2,,Bo\r\n3," \t",Cy\r\n4,d@x.org,\r\n5,e@x.org,Eve\r\n');
    const rejects = join(dir, 'm.rej.csv');
    const report = join(dir, 'm.report.json');
    const run = await runCli(['process', '--in', file, '--to', 'aep-csv', '--mandatory', 'email', '--mandatory', 'name', '--membership-status', 'realized', '--rejects', rejects, '--report', report, '--max-rejects', 'none', '--workers', '2', '--chunk-size', '16']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('id,email,name,segmentMembershipStatus\n1,a@x.org,Ann,realized\n5,e@x.org,Eve,realized\n');
    const rej = parse(readFileSync(rejects), { columns: true }) as Array<Record<string, string>>;
    expect(rej.map((r) => [r.line, r.column, r.reason, r.record])).toEqual([
      ['3', 'email', 'missing_mandatory', '2,,Bo'],
      ['4', 'email', 'missing_mandatory', '3," \t",Cy'],
      ['5', 'name', 'missing_mandatory', '4,d@x.org,'],
    ]);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r).toMatchObject({ recordsIn: 5, recordsOut: 2, recordsRejected: 3, rejectReasons: { missing_mandatory: 3 } });
  });

  it('checks a transformed column as its op sees it (an empty e-mail is not hashed)', async () => {
    const file = write('mh.csv', 'email,x\na@x.org,1\n,2\n');
    const run = await runCli(['process', '--in', file, '--hash', 'email=email_lc_sha256', '--mandatory', 'email', '--log-format', 'json']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString().split('\n').length).toBe(3);
    expect(logLines(run.stderr).find((l) => l.event === 'summary')).toMatchObject({ recordsIn: 2, recordsOut: 1, rejectReasons: { missing_mandatory: 1 } });
  });

  it('refuses a column that is not in the input, exit 2', async () => {
    const file = write('mu.csv', 'id,email\n1,a\n');
    const run = await runCli(['process', '--in', file, '--mandatory', 'phone']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--mandatory: column 'phone' is not in the input (columns: id, email)");
  });
});

describe('--membership-status', () => {
  it('adds the column last when the output lacks it, and leaves an existing one alone', async () => {
    const without = write('s1.csv', 'id,email\n1,a@x.org\n');
    const a = await runCli(['process', '--in', without, '--to', 'aep-csv', '--membership-status', 'exited', '--log-format', 'json']);
    expect(a.code).toBe(0);
    expect(a.stdout.toString()).toBe('id,email,segmentMembershipStatus\n1,a@x.org,exited\n');
    expect(logLines(a.stderr).some((l) => l.event === 'aep_membership_status_missing')).toBe(false);
    const withIt = write('s2.csv', 'id,segmentMembershipStatus\n1,realized\n2,exited\n');
    const b = await runCli(['process', '--in', withIt, '--to', 'aep-csv', '--membership-status', 'realized']);
    expect(b.code).toBe(0);
    expect(b.stdout.toString()).toBe('id,segmentMembershipStatus\n1,realized\n2,exited\n');
  });

  it('warns on stderr (event aep_membership_status_missing) when an aep-csv output has no such column', async () => {
    const file = write('s3.csv', 'id,email\n1,a@x.org\n');
    const run = await runCli(['process', '--in', file, '--to', 'aep-csv', '--log-format', 'json']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('id,email\n1,a@x.org\n');
    const warning = logLines(run.stderr).find((l) => l.event === 'aep_membership_status_missing');
    expect(warning).toMatchObject({ level: 40 });
    expect(String(warning!.msg)).toContain('--membership-status');
  });
});

describe('--max-fields', () => {
  const columns = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${i + 1}`);
  const csv = (names: string[]): string => `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`;

  it('refuses, exit 2, an aep-csv output of more fields than the limit, naming the limit and the count', async () => {
    const file = write('f22.csv', csv(columns(22)));
    const run = await runCli(['process', '--in', file, '--to', 'aep-csv', '--membership-status', 'realized']);
    expect(run.code).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toContain('--max-fields: the output has 22 fields (not counting segmentMembershipStatus), over the limit of 20');
    const lower = await runCli(['process', '--in', file, '--to', 'aep-csv', '--max-fields', '5']);
    expect(lower.code).toBe(2);
    expect(lower.stderr).toContain('the output has 22 fields (not counting segmentMembershipStatus), over the limit of 5');
  });

  it('does not count segmentMembershipStatus, and --select or a higher limit lets it through', async () => {
    const twenty = write('f20.csv', csv([...columns(20), 'segmentMembershipStatus']));
    expect((await runCli(['process', '--in', twenty, '--to', 'aep-csv'])).code).toBe(0);
    const file = write('f22b.csv', csv(columns(22)));
    const selected = await runCli(['process', '--in', file, '--to', 'aep-csv', '--select', 'c1,c22', '--membership-status', 'realized']);
    expect(selected.code).toBe(0);
    expect(selected.stdout.toString()).toBe('c1,c22,segmentMembershipStatus\n0,21,realized\n');
    expect((await runCli(['process', '--in', file, '--to', 'aep-csv', '--max-fields', '22', '--membership-status', 'realized'])).code).toBe(0);
  });
});

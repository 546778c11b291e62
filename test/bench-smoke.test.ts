/**
 * `audience-pipe bench` works end to end on the built CLI: it prints one row per worker count
 * with a positive rate. A smoke test only: benchmarks are never timed tests.
 */
import { describe, expect, it } from 'vitest';
import { logLines, runCli } from './helpers/cli.js';

/** Table rows: lines whose first cell is a worker count. */
function tableRows(stdout: string): Map<number, string[]> {
  const rows = new Map<number, string[]>();
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (/^\d+$/.test(cells[0])) rows.set(Number(cells[0]), cells);
  }
  return rows;
}

describe('audience-pipe bench', () => {
  it('prints a row per worker count with a positive rows/s', async () => {
    const r = await runCli(['bench', '--rows', '20000', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    const stdout = r.stdout.toString('utf8');
    const header = stdout.split('\n')[0];
    expect(header).toMatch(/^workers\s+wall \(median\)\s+rows\/s\s+MB\/s\s+CPU \(median\)\s+peak RSS/);
    const rows = tableRows(stdout);
    expect([...rows.keys()]).toEqual([1]);
    const rowsPerSec = Number(rows.get(1)![2].replaceAll(',', ''));
    expect(rowsPerSec).toBeGreaterThan(0);
    expect(Number(rows.get(1)![3])).toBeGreaterThan(0);
    expect(stdout).toMatch(/20,000 generated rows/);
    expect(stdout).toMatch(/--hash email=email_lc_sha256/);
    // Progress goes to stderr as NDJSON, one line per run (three runs by default).
    expect(logLines(r.stderr).filter((l) => l.event === 'bench_run')).toHaveLength(3);
  });

  it('--json gives one result per worker count and passes transform options on', async () => {
    const r = await runCli(['bench', '--rows', '5000', '--workers', '1,2', '--reps', '1', '--json', '--hash', 'phone=phone_sha256', '--default-country', 'US', '--log-level', 'warn']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout.toString('utf8')) as { results: Array<{ workers: number; rowsPerSec: number; runs: unknown[] }>; transforms: string[]; machine: { cores: number } };
    expect(doc.results.map((x) => x.workers)).toEqual([1, 2]);
    for (const x of doc.results) {
      expect(x.rowsPerSec).toBeGreaterThan(0);
      expect(x.runs).toHaveLength(1);
    }
    expect(doc.transforms).toEqual(['--hash', 'phone=phone_sha256', '--default-country', 'US']);
    expect(doc.machine.cores).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
  });

  it('rejects a bad option with exit 2 before generating anything', async () => {
    const r = await runCli(['bench', '--rows', '1000', '--encrypt', 'crm_id']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--encrypt needs a key/);
    expect(r.stdout.length).toBe(0);
  });
});

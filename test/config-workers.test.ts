/** Many workers: stderr stays NDJSON (no MaxListenersExceededWarning from per-worker listeners). */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

it('--workers 16 with output to stdout writes nothing but NDJSON to stderr', async () => {
  const rows = Array.from({ length: 4000 }, (_, i) => `${i},user${i}@example.com`);
  const res = await runCli(['process', '--hash', 'email=email_lc_sha256', '--workers', '16', '--chunk-size', '4KiB', '--log-level', 'info'], { input: ['id,email', ...rows].join('\n') + '\n' });
  expect(res.code).toBe(0);
  const lines = res.stderr.split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  expect(res.stderr).not.toContain('MaxListenersExceededWarning');
  const out = res.stdout.toString().split('\n');
  expect(out[4000]).toBe(`3999,${sha('user3999@example.com')}`);
});

/**
 * #10: a foreign error never becomes the run's code. Before, a read error of the input (an
 * errno such as EIO) went through as the report's `error.code`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-errors-foreign-');
afterAll(cleanup);

describe('foreign errors are wrapped in catalogue codes', () => {
  // Reading /proc/self/mem from offset 0 (never mapped) fails with EIO after a successful open.
  it('an input that fails while it is read is ERR_INPUT naming the file and the errno, exit 1', async () => {
    const report = join(dir, 'report.json');
    const res = await runCli(['process', '--in', '/proc/self/mem', '--hash', 'email=sha256', '--out', join(dir, 'out.csv'), '--report', report]);
    expect(res.code).toBe(1);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ status: 'failed', error: { code: 'ERR_INPUT', message: '--in: cannot read /proc/self/mem: EIO' } });
  });
});

/**
 * #10: the library's errors carry catalogue codes and the catalogue's exit codes. Before, a run
 * aborted by the caller's AbortSignal reported the DOMException's numeric `code` (20) as its
 * code, and ProcessFileError said exit 1 for an input the CLI stops with exit 2.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const lib = await import(`${ROOT}/dist/index.js`);
const { CATALOGUE } = await import(`${ROOT}/dist/errors/catalogue.js`);
const { dir, cleanup } = tempDir('ap-errors-library-');
afterAll(cleanup);
const input = join(dir, 'a.csv');
writeFileSync(input, 'id,email\n1,ann@example.com\n');

const thrown = async (run: Promise<unknown>): Promise<any> => {
  try {
    await run;
  } catch (err) {
    return err;
  }
  throw new Error('expected the run to fail');
};

describe('processFile errors', () => {
  it('a run aborted by the caller fails with ERR_INTERRUPTED, the reason as cause, nothing published', async () => {
    const out = join(dir, 'aborted.csv');
    const signal = AbortSignal.abort();
    const err = await thrown(lib.processFile({ in: input, out, hash: ['email=email_lc_sha256'] }, { signal }));
    expect(err).toBeInstanceOf(lib.ProcessFileError);
    expect(err).toMatchObject({ code: 'ERR_INTERRUPTED', exitCode: 1, message: 'aborted (This operation was aborted): nothing was published' });
    expect(err.report.error).toEqual({ code: 'ERR_INTERRUPTED', message: 'aborted (This operation was aborted): nothing was published' });
    expect(err.cause.cause).toBe(signal.reason);
    expect(existsSync(out)).toBe(false);
  });

  it("a project error as the abort's reason is the run's error", async () => {
    const reason = new lib.RunError('ERR_OUTPUT_LOCKED', 'taken');
    const err = await thrown(lib.processFile({ in: input, out: join(dir, 'x.csv'), hash: ['email=email_lc_sha256'] }, { signal: AbortSignal.abort(reason) }));
    expect(err).toMatchObject({ code: 'ERR_OUTPUT_LOCKED', message: 'taken' });
  });

  it("a failed run's exit code is its code's, as the CLI's", async () => {
    const utf16 = join(dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,email\n1,a@b.c\n', 'utf16le')]));
    const err = await thrown(lib.processFile({ in: utf16, out: join(dir, 'never.csv'), hash: ['email=email_lc_sha256'] }));
    expect(err).toBeInstanceOf(lib.ProcessFileError);
    expect(err).toMatchObject({ code: 'ERR_INPUT_ENCODING', exitCode: CATALOGUE.ERR_INPUT_ENCODING.exit });
    const cli = await runCli(['process', '--in', utf16, '--out', join(dir, 'never2.csv'), '--hash', 'email=email_lc_sha256']);
    expect(cli.code).toBe(err.exitCode);
    expect(err.exitCode).toBe(2);
  });
});

/** processFile: one call with the config file's options, the report back, every failure thrown with a code. */
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const lib = await import(`${ROOT}/dist/index.js`);
const { dir, cleanup } = tempDir('ap-library-');
afterAll(cleanup);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const IV_HEX = '00112233445566778899aabbccddeeff';
const input = join(dir, 'a.csv');
writeFileSync(input, 'id,email\n1,Ann@Example.com\n2,bob@example.com\n3,carol@example.com\n4,not-an-email\n');

const thrown = async (run: Promise<unknown>): Promise<{ code: string; exitCode: number; message: string; report?: { status: string } }> => {
  try {
    await run;
  } catch (err) {
    return err as { code: string; exitCode: number; message: string };
  }
  throw new Error('no error');
};

describe('processFile', () => {
  it('runs a job from the config file\'s option names and returns the report', async () => {
    const out = join(dir, 'b.csv');
    const report = await lib.processFile({ in: input, out, hash: ['email=email_lc_sha256'], workers: 2, rejects: join(dir, 'rejects.csv') });
    expect(report).toMatchObject({ status: 'ok', recordsIn: 4, recordsOut: 3, recordsRejected: 1, rejectReasons: { invalid_email: 1 } });
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe(`1,${sha('ann@example.com')}`);
  });

  it('takes the AES key as bytes, and logs through the logger it is given without ever showing the key', async () => {
    const key = new Uint8Array(32).map((_, i) => 200 + i);
    const lines: Array<{ level: string; obj: object; msg?: string }> = [];
    const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: object, msg?: string) => lines.push({ level, obj, msg })]));
    const out = join(dir, 'enc.csv');
    const withPhone = join(dir, 'phone.csv');
    writeFileSync(withPhone, 'id,email,phone\n1,Ann@Example.com,+14155550123\n2,bob@example.com,4155550124\n');
    await lib.processFile({ in: withPhone, out, encrypt: 'email', hash: 'phone=phone_sha256', aesIv: IV_HEX, maxRejects: 'none' }, { aesKey: key, logger });
    const c = createCipheriv('aes-256-cbc', key, Buffer.from(IV_HEX, 'hex'));
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe(`1,${Buffer.concat([c.update('Ann@Example.com'), c.final()]).toString('hex')},${sha('14155550123')}`);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(Buffer.from(key).toString('hex'));
    expect(logged).not.toContain(Buffer.from(key).toString('base64'));
    // A national number without --default-country is warned about.
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', obj: { event: 'phone_needs_country' } }));
  });

  it('throws a configuration error as AudiencePipeError ERR_CONFIG, before writing anything', async () => {
    const out = join(dir, 'never.csv');
    const typo = await thrown(lib.processFile({ in: input, out, hsah: ['email=email_lc_sha256'] } as never));
    expect(typo).toBeInstanceOf(lib.ConfigError);
    expect(typo).toMatchObject({ code: 'ERR_CONFIG', exitCode: 2, message: "options: unknown key 'hsah' (did you mean 'hash'?)" });
    const column = await thrown(lib.processFile({ in: input, out, hash: ['mail=email_lc_sha256'] }));
    expect(column).toMatchObject({ code: 'ERR_CONFIG', exitCode: 2 });
    const copy = await thrown(lib.processFile({ in: input, out }));
    expect(copy).toMatchObject({ code: 'ERR_CONFIG', option: 'passthrough' });
    expect(existsSync(out)).toBe(false);
  });

  it('throws a failed run the same way, with its code and the report', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const out = join(dir, 'fail.csv');
    const err = await thrown(lib.processFile({ in: bad, out, hash: ['email=email_lc_sha256'] }));
    expect(err).toBeInstanceOf(lib.ProcessFileError);
    expect(err).toBeInstanceOf(lib.AudiencePipeError);
    expect(err.code).toBe('ERR_GZIP');
    expect(err.exitCode).toBe(1);
    expect(err.report?.status).toBe('failed');
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * `audience-pipe doctor` and `--version`: what the install gives this process, checked, with the
 * reason when a native piece is not in use; exit 1 when something makes runs slower or fail.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ssh2BindingCheck } from '../src/cli/install-checks.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  failure?: string;
}

const checks = async (env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; list: Check[] }> => {
  const r = await runCli(['doctor', '--json'], { env });
  return { code: r.code, list: JSON.parse(r.stdout.toString()) as Check[] };
};
const byName = (list: Check[], name: string): Check => list.find((c) => c.name === name)!;

describe('audience-pipe doctor', () => {
  it('on this install (npm ci built both native pieces): every check ok, exit 0', async () => {
    const r = await runCli(['doctor']);
    expect(r.code, r.stdout.toString()).toBe(0);
    const text = r.stdout.toString();
    expect(text).toMatch(new RegExp(`^ok +node +${process.version.replaceAll('.', '\\.')} `, 'm'));
    expect(text).toMatch(/^ok +sha256 batch +native \(.*sha256_batch\.node\)$/m);
    expect(text).toMatch(/^ok +ssh2 crypto +native \(.*sshcrypto\.node\)$/m);
    expect(text).toMatch(new RegExp(`^ok +openssl +${process.versions.openssl.replaceAll('.', '\\.')}$`, 'm'));
    expect(text).toMatch(/^ok +temporary directory +\S+ is writable$/m);
    expect(r.stderr).toBe('');
  });

  it('the SHA-256 batch switched off is a slower install: exit 1, and it says why', async () => {
    const { code, list } = await checks({ AUDIENCE_PIPE_SHA256_BATCH: 'js' });
    expect(code).toBe(1);
    expect(byName(list, 'sha256 batch')).toEqual({ name: 'sha256 batch', ok: false, failure: 'slower', detail: expect.stringContaining('AUDIENCE_PIPE_SHA256_BATCH=js') });
    expect(byName(list, 'ssh2 crypto').ok).toBe(true);
  });

  it('a temporary directory it cannot write to fails the check: exit 1, naming it', async () => {
    const { code, list } = await checks({ TMPDIR: '/nonexistent/tmp' });
    expect(code).toBe(1);
    expect(byName(list, 'temporary directory')).toMatchObject({ ok: false, failure: 'broken', detail: expect.stringMatching(/^\/nonexistent\/tmp is not writable \(ENOENT\)/) });
  });
});

describe('audience-pipe --version', () => {
  it('prints one line: the version, Node, OpenSSL and the native pieces in use', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^audience-pipe \d+\.\d+\.\d+ \(node v24\.\d+\.\d+, openssl \S+, sha256 batch: native, ssh2 crypto: native\)\n$/);
  });

  it('says when a piece falls back to JavaScript', async () => {
    const r = await runCli(['-V'], { env: { AUDIENCE_PIPE_SHA256_BATCH: 'js' } });
    expect(r.stdout.toString()).toContain('sha256 batch: JavaScript fallback, ssh2 crypto: native');
  });
});

describe("doctor's ssh2 binding check says why", () => {
  const { dir, cleanup } = tempDir('ap-doctor-');
  afterAll(cleanup);
  const real = join(ROOT, 'native', 'build', 'Release', 'sha256_batch.node');

  it('a binding that is not there: not built, slower', () => {
    expect(ssh2BindingCheck(join(dir, 'missing.node'))).toMatchObject({ ok: false, failure: 'slower', detail: expect.stringMatching(/^not built \(.*missing\.node is missing\)/) });
  });

  it('a binding that does not load in this Node: the loader says why, slower', () => {
    const bad = join(dir, 'bad.node');
    writeFileSync(bad, 'not a shared object');
    expect(ssh2BindingCheck(bad)).toMatchObject({ ok: false, failure: 'slower', detail: expect.stringMatching(/^does not load in Node v\d+.*\(.+\)/) });
  });

  it('a binding that loads but carries the ObjectWrap cleanup hooks: unsafe, not just slow', () => {
    const hooked = join(dir, 'hooked.node');
    writeFileSync(hooked, Buffer.concat([readFileSync(real), Buffer.from('_ZN4node25AddEnvironmentCleanupHookE')]));
    expect(ssh2BindingCheck(hooked)).toMatchObject({ ok: false, failure: 'broken', detail: expect.stringContaining('ObjectWrap cleanup hooks') });
  });

  it('a binding that loads without them: native', () => {
    expect(ssh2BindingCheck(real)).toMatchObject({ ok: true, detail: `native (${real})` });
  });
});

/** Pure parts of the SFTP transport: addresses, globs, natural order, host keys, error classes. */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, TransportError } from '../src/errors/errors.js';
import { globToRegExp, naturalCompare, parseSftpAddress } from '../src/transport/sftp/address.js';
import { toSftpError } from '../src/transport/sftp/errors.js';
import { fingerprintOf, hostKeyPolicy, preferredHostKeyAlgorithms, verifyHostKey } from '../src/transport/sftp/host-key.js';
import { buildProcessConfig } from '../src/config/load.js';
import { createSftpSink } from '../src/outputs/sftp-sink.js';
import { silentLogger } from '../src/util/logger.js';
import { transportConfig } from './helpers/sftp-fixtures.js';
import { ed25519KeyPair } from './helpers/sshd.js';

const accounts = {
  exportSharedAudience: { host: 'sftp.example.com', port: 2222, username: 'acme', hostKey: 'SHA256:' + 'A'.repeat(43), dir: '/incoming' },
  home: { host: 'h.example.com', username: 'u' },
};

describe('parseSftpAddress', () => {
  it('parses absolute, login-relative, directory and glob forms', () => {
    expect(parseSftpAddress('sftp://bob@host.example:2022/data/out.csv', {}, '--out')).toMatchObject({
      host: 'host.example', port: 2022, username: 'bob', dir: '/data', name: 'out.csv', pattern: undefined,
      display: 'sftp://bob@host.example:2022/data/out.csv',
    });
    expect(parseSftpAddress('sftp://bob@h/~/out/x.csv', {}, '--out')).toMatchObject({ port: 22, dir: 'out', name: 'x.csv', display: 'sftp://bob@h:22/~/out/x.csv' });
    expect(parseSftpAddress('sftp://bob@h/~/', {}, '--out')).toMatchObject({ dir: '.', name: undefined });
    expect(parseSftpAddress('sftp://bob@h/~/x.csv', {}, '--out')).toMatchObject({ dir: '.', name: 'x.csv' });
    expect(parseSftpAddress('sftp://bob@h/drop/', {}, '--out')).toMatchObject({ dir: '/drop', name: undefined, display: 'sftp://bob@h:22/drop/' });
    expect(parseSftpAddress('sftp://bob@h/', {}, '--out')).toMatchObject({ dir: '/', name: undefined });
    expect(parseSftpAddress('sftp://h/a%20b/c.csv', {}, '--in')).toMatchObject({ username: userInfo().username, dir: '/a b', name: 'c.csv' });
    expect(parseSftpAddress('sftp://u@[::1]:23/x', {}, '--in')).toMatchObject({ host: '::1', port: 23, display: 'sftp://u@[::1]:23/x' });
    const glob = parseSftpAddress('sftp://u@h/out/*.sync.gz', {}, '--in');
    expect(glob.pattern?.test('part-1.sync.gz')).toBe(true);
    expect(glob.pattern?.test('.part-1.sync.gz')).toBe(false);
    expect(glob.pattern?.test('part-1.sync.gz.part')).toBe(false);
  });

  it('resolves named accounts against their directory', () => {
    expect(parseSftpAddress('account:exportSharedAudience', accounts, '--out')).toMatchObject({
      host: 'sftp.example.com', port: 2222, username: 'acme', dir: '/incoming', name: undefined, account: 'exportSharedAudience',
      hostKey: accounts.exportSharedAudience.hostKey,
    });
    expect(parseSftpAddress('account:exportSharedAudience/sub/x.csv', accounts, '--out')).toMatchObject({ dir: '/incoming/sub', name: 'x.csv' });
    expect(parseSftpAddress('account:exportSharedAudience/sub/', accounts, '--out')).toMatchObject({ dir: '/incoming/sub', name: undefined });
    expect(parseSftpAddress('account:home/x.csv', accounts, '--in')).toMatchObject({ port: 22, dir: '.', name: 'x.csv' });
  });

  it('rejects bad addresses with a ConfigError naming the option, never echoing a password', () => {
    const bad = (spec: string, option: '--in' | '--out' = '--out'): ConfigError => {
      try {
        parseSftpAddress(spec, accounts, option);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).option).toBe(option);
        return e as ConfigError;
      }
      throw new Error(`accepted ${spec}`);
    };
    expect(bad('sftp://u:hunter2@h/x').message).not.toContain('hunter2');
    expect(bad('sftp://u@h:99999/x').message).toContain('port');
    expect(bad('sftp://u@h').message).toContain('no path');
    expect(bad('account:nope').message).toContain('exportSharedAudience');
    expect(bad('sftp://u@h/out/*.csv').message).toContain('wildcard');
    expect(bad('sftp://u@h/o*t/x.csv', '--in').message).toContain('last path segment');
    expect(bad('sftp://u@h/a/..').message).toContain('file name');
    expect(bad('sftp://u@h/%zz').message).toContain('%-escape');
  });
});

describe('natural order and globs', () => {
  it('sorts digit runs by value', () => {
    const names = ['part-10.csv', 'part-9.csv', 'part-1.csv', 'part-01.csv', 'part-100.csv', 'part-2b.csv', 'part-2a.csv', 'a.csv'];
    expect([...names].sort(naturalCompare)).toEqual(['a.csv', 'part-1.csv', 'part-01.csv', 'part-2a.csv', 'part-2b.csv', 'part-9.csv', 'part-10.csv', 'part-100.csv']);
    expect(naturalCompare('x99999999999999999999', 'x100000000000000000000')).toBeLessThan(0);
  });

  it('matches * and ? within one segment and escapes the rest', () => {
    expect(globToRegExp('a?c.*').test('abc.x')).toBe(true);
    expect(globToRegExp('a?c.*').test('abbc.x')).toBe(false);
    expect(globToRegExp('(x)+[y].csv').test('(x)+[y].csv')).toBe(true);
  });
});

describe('host keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = ed25519KeyPair().public.split(' ');
  const blob = Buffer.from(key[1], 'base64');
  const other = Buffer.from(ed25519KeyPair().public.split(' ')[1], 'base64');
  const policyFor = (text: string) => {
    const f = join(dir, `kh-${randomBytes(4).toString('hex')}`);
    writeFileSync(f, text);
    return hostKeyPolicy(parseSftpAddress('sftp://u@sftp.example.com/x', {}, '--in'), transportConfig({ knownHosts: f }));
  };

  it('prints fingerprints as ssh-keygen does', () => {
    expect(fingerprintOf(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches plain, hashed, port and wildcard entries; reports revoked and different keys', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('sftp.example.com').digest('base64')}`;
    expect(verifyHostKey(policyFor(`sftp.example.com ${key[0]} ${key[1]}\n`), 'sftp.example.com', 22, blob).ok).toBe(true);
    expect(verifyHostKey(policyFor(`${hashed} ${key[0]} ${key[1]}\n`), 'sftp.example.com', 22, blob).ok).toBe(true);
    expect(verifyHostKey(policyFor(`*.example.com,!bad.example.com ${key[0]} ${key[1]}\n`), 'sftp.example.com', 22, blob).ok).toBe(true);
    expect(verifyHostKey(policyFor(`*.example.com,!sftp.example.com ${key[0]} ${key[1]}\n`), 'sftp.example.com', 22, blob).ok).toBe(false);
    // A non-default port is looked up as [host]:port only.
    expect(verifyHostKey(policyFor(`sftp.example.com ${key[0]} ${key[1]}\n`), 'sftp.example.com', 2222, blob).ok).toBe(false);
    expect(verifyHostKey(policyFor(`[sftp.example.com]:2222 ${key[0]} ${key[1]}\n`), 'sftp.example.com', 2222, blob).ok).toBe(true);
    const revoked = verifyHostKey(policyFor(`@revoked * ${key[0]} ${key[1]}\nsftp.example.com ${key[0]} ${key[1]}\n`), 'sftp.example.com', 22, blob);
    expect(revoked).toMatchObject({ ok: false });
    expect(!revoked.ok && revoked.reason).toContain('@revoked');
    const diff = verifyHostKey(policyFor(`sftp.example.com ${key[0]} ${other.toString('base64')}\n`), 'sftp.example.com', 22, blob);
    expect(diff).toMatchObject({ ok: false, offered: fingerprintOf(blob), expected: [`${key[0]} ${fingerprintOf(other)}`] });
    expect(verifyHostKey({ kind: 'known_hosts', file: join(dir, 'missing') }, 'sftp.example.com', 22, blob)).toMatchObject({ ok: false, expected: [] });
  });

  it('prefers the algorithms of the known keys', () => {
    const p = policyFor(`sftp.example.com ssh-rsa ${other.toString('base64')}\n`);
    expect(preferredHostKeyAlgorithms(p, 'sftp.example.com', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });

  it('takes the account pin over --sftp-host-key and validates its form', () => {
    const addr = parseSftpAddress('account:exportSharedAudience', accounts, '--out');
    expect(hostKeyPolicy(addr, transportConfig({ sftpHostKey: 'SHA256:' + 'B'.repeat(43) }))).toMatchObject({ kind: 'pinned', fingerprint: 'SHA256:' + 'A'.repeat(43) });
    const plain = parseSftpAddress('sftp://u@h/x', {}, '--out');
    expect(() => hostKeyPolicy(plain, transportConfig({ sftpHostKey: 'MD5:aa:bb' }))).toThrow(ConfigError);
    expect(hostKeyPolicy(plain, transportConfig({ sftpInsecureAcceptAnyHostKey: true }))).toEqual({ kind: 'any' });
  });
});

describe('configuration checks, once, while the configuration is built', () => {
  const JOB = { hash: 'email=sha256' };
  const build = (options: Record<string, unknown>, secrets: Record<string, string> = {}) => buildProcessConfig({ ...JOB, ...options }, {}, {}, secrets);

  it('needs credentials and a readable key; a sink then takes them as given, and needs a name for a directory target', () => {
    expect(() => build({ out: 'sftp://u@h/x.csv' })).toThrow(/no SFTP credentials/);
    expect(() => build({ in: 'sftp://u@h/x.csv' })).toThrow(/no SFTP credentials/);
    expect(() => build({ out: 'sftp://u@h/x.csv', sftpKey: '/nonexistent/key' })).toThrow(/cannot read the private key/);
    expect(() => build({ out: 'sftp://u@h/x.csv', sftpHostKey: 'MD5:aa:bb' }, { sftpPassword: 'pw' })).toThrow(/--sftp-host-key: expected a fingerprint/);
    expect(() => build({ in: 'sftp://u@h/x.csv', deleteAfter: true, moveAfter: 'done' }, { sftpPassword: 'pw' })).toThrow('--delete-after and --move-after exclude each other');
    expect(() => build({ out: 'sftp://u@h/x.csv', tmpDir: '/nonexistent/spool' }, { sftpPassword: 'pw' })).toThrow('--tmp-dir: "/nonexistent/spool" is not a directory');
    expect(build({ out: 'sftp://u@h/x.csv' }, { sftpPassword: 'pw' }).out).toBe('sftp://u@h/x.csv');
    expect(() => createSftpSink('sftp://u@h/dir/', transportConfig(), { sftpPassword: 'pw' }, silentLogger(), undefined)).toThrow(/--name/);
    expect(createSftpSink('sftp://u@h/dir/', transportConfig({ name: 'chosen.csv' }), { sftpPassword: 'pw' }, silentLogger(), 'in/input.csv').description).toBe('sftp://u@h:22/dir/chosen.csv');
    expect(createSftpSink('sftp://u@h/dir/', transportConfig(), { sftpPassword: 'pw' }, silentLogger(), 'in/input.csv').description).toBe('sftp://u@h:22/dir/input.csv');
  });

  it('checks an Azure Blob URL without sending anything, and never shows its SAS', () => {
    const sas = 'sv=2021-08-06&sig=SECRETSIG';
    const message = (out: string): string => {
      try {
        build({ out });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message('https://acct.blob.core.windows.net/container/blob')).toBe('--out https://acct.blob.core.windows.net/container/blob: an Azure Blob URL needs a SAS query (sv=...&sig=...)');
    expect(message(`https://acct.blob.core.windows.net/blob?${sas}`)).toBe('--out https://acct.blob.core.windows.net/blob: expected .../<container>/<blob>');
    expect(message(`https://acct.blob.core.windows.net/container/blob?${sas}`)).toBe('no error');
  });

  it('rejects an encrypted key without its passphrase, without echoing anything secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-unit-'));
    try {
      const k = ed25519KeyPair({ passphrase: 'right-passphrase', rounds: 2 });
      writeFileSync(join(dir, 'k'), k.private, { mode: 0o600 });
      const out = { out: 'sftp://u@h/x.csv', sftpKey: join(dir, 'k') };
      expect(() => build(out)).toThrow(/AUDIENCE_PIPE_SFTP_PASSPHRASE/);
      let msg = '';
      try {
        build(out, { sftpPassphrase: 'wrong-passphrase' });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toContain('--sftp-key');
      expect(msg).not.toContain('wrong-passphrase');
      expect(build(out, { sftpPassphrase: 'right-passphrase' }).out).toBe('sftp://u@h/x.csv');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('error classes', () => {
  const ctx = { where: 'sftp://u@h:22', op: 'open', path: '/x' };
  it('does not retry what cannot change', () => {
    expect(toSftpError(Object.assign(new Error('x'), { level: 'client-authentication' }), ctx)).toMatchObject({ code: 'ERR_SFTP_AUTH', retryable: false });
    expect(toSftpError(Object.assign(new Error('x'), { code: 2 }), ctx)).toMatchObject({ code: 'ERR_SFTP_NO_SUCH_FILE', retryable: false });
    expect(toSftpError(Object.assign(new Error('x'), { code: 3 }), ctx)).toMatchObject({ code: 'ERR_SFTP_PERMISSION', retryable: false });
    expect(toSftpError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), ctx)).toMatchObject({ retryable: false });
  });
  it('retries resets, refusals, stalls and server failures', () => {
    for (const e of [{ code: 'ECONNRESET' }, { code: 'ECONNREFUSED' }, { code: 4 }, { level: 'client-timeout' }, {}]) {
      const t = toSftpError(Object.assign(new Error('x'), e), ctx);
      expect(t).toBeInstanceOf(TransportError);
      expect(t.retryable).toBe(true);
    }
  });
});

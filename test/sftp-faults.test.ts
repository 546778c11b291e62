/**
 * SFTP faults against a real OpenSSH sshd on 127.0.0.1: a crash in the middle of an upload or
 * a download, a frozen server, exhausted retries, wrong or unknown host keys, wrong password.
 * Every log line of the suite is then searched for the password, passphrase and key text.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSftpSink } from '../src/outputs/sftp-sink.js';
import { createSftpSource } from '../src/sources/sftp-source.js';
import { TransportError } from '../src/errors/errors.js';
import type { Secrets, TransportConfig } from '../src/config/types.js';
import { KEEPALIVE_COUNT_MAX, KEEPALIVE_INTERVAL_MS } from '../src/transport/sftp/connect.js';
import { fingerprintOf } from '../src/transport/sftp/host-key.js';
import { createPasswordUser, ed25519KeyPair, startSshd, type FrozenSessions, type PasswordUser, type Sshd } from './helpers/sshd.js';
import { captureLogger, spoolsInOwnDirectory, findSecrets, generated, generatedSha, readSource, runSink, sha256, transportConfig } from './helpers/sftp-fixtures.js';

const MiB = 1024 * 1024;
let server: Sshd;
let pwUser: PasswordUser | undefined;
let secrets: Secrets;
const frozen: FrozenSessions[] = [];
const lines: string[] = [];
const errors: string[] = [];
const log = captureLogger(lines);
const wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  pwUser = createPasswordUser();
  server = await startSshd({ passwordAuth: true });
  secrets = { sftpPassphrase: server.passphrase };
});

afterAll(async () => {
  for (const f of frozen) f.kill();
  await server?.stop();
  // SFTP_TEST_LOG=<file> keeps the suite's log lines for a look after the run.
  if (process.env.SFTP_TEST_LOG !== undefined) writeFileSync(process.env.SFTP_TEST_LOG, lines.join(''));
  pwUser?.remove();
  if (server === undefined) return;
  const leaks = findSecrets(lines.join('') + errors.join('\n'), [
    server.passphrase, server.clientKeyText, wrongPassword, ...(pwUser === undefined ? [] : [pwUser.password]),
  ]);
  expect(leaks).toEqual([]);
});

afterEach(async () => {
  await server.restart();
});

// After the server's hooks: its directory stays out of the spools' one.
spoolsInOwnDirectory();

function cfg(over: Partial<TransportConfig> = {}): TransportConfig {
  return transportConfig({ sftpKey: server.clientKeyFile, sftpHostKey: server.hostKeyFingerprint, ...over });
}

function url(path: string, user = server.username): string {
  return `sftp://${user}@127.0.0.1:${server.port}${path}`;
}

/** Runs `p`, expecting a rejection; records the message for the secrets check. */
async function failure(p: Promise<unknown>): Promise<TransportError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TransportError);
  const e = err as TransportError;
  errors.push(`${e.message}\n${e.stack ?? ''}\n${String((e.cause as Error | undefined)?.message)}`);
  return e;
}

function logged(msg: string): Array<Record<string, unknown>> {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === msg);
}

describe('sftp upload faults', () => {
  it('completes on retry from the spool when the server crashes mid-upload and comes back', { timeout: 60_000 }, async () => {
    const total = 64 * MiB + 7;
    const dir = join(server.files, 'crash');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    const before = logged('sftp live upload failed; the output continues into the spool and is uploaded again at the end').length;
    await runSink(sink, generated(total, {
      at: async (sent) => {
        if (sent === 16 * MiB) {
          server.crash();
          await server.restart();
        }
      },
    }));
    expect(logged('sftp live upload failed; the output continues into the spool and is uploaded again at the end').length).toBe(before + 1);
    expect(sink.details?.()).toMatchObject({ bytes: total });
    expect(Number(sink.details?.().attempts)).toBeGreaterThanOrEqual(2);
    expect(sha256(readFileSync(join(dir, 'out.csv')))).toBe(await generatedSha(total));
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  it('prepare() completes the .part from the spool after a crash; commit() then only renames it', { timeout: 60_000 }, async () => {
    const total = 24 * MiB + 3;
    const dir = join(server.files, 'crash-prepare');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    const data = generated(total, {
      at: async (sent) => {
        if (sent === 8 * MiB) {
          server.crash();
          await server.restart();
        }
      },
    });
    await pipeline(Readable.from(data), await sink.open(new AbortController().signal));
    await sink.prepare!();
    expect(readdirSync(dir)).toEqual(['out.csv.part']);
    const attempts = Number(sink.details?.().attempts);
    expect(attempts).toBeGreaterThanOrEqual(2);
    const uploads = logged('sftp uploading from the spool').length;
    await sink.commit();
    // No second upload: the complete .part was renamed.
    expect(logged('sftp uploading from the spool').length).toBe(uploads);
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(sha256(readFileSync(join(dir, 'out.csv')))).toBe(await generatedSha(total));
  });

  it('a connection lost between prepare() and commit(): commit() uploads from the spool again and publishes', { timeout: 60_000 }, async () => {
    const total = 8 * MiB + 5;
    const dir = join(server.files, 'crash-between');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    await pipeline(Readable.from(generated(total)), await sink.open(new AbortController().signal));
    await sink.prepare!();
    server.crash();
    await server.restart();
    await sink.commit();
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(sha256(readFileSync(join(dir, 'out.csv')))).toBe(await generatedSha(total));
  });

  it('fails over within the keepalive bound when the server freezes, then retries', { timeout: 60_000 }, async () => {
    const total = 48 * MiB;
    const dir = join(server.files, 'stall');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    let frozeAt = 0;
    await runSink(sink, generated(total, {
      at: (sent) => {
        if (sent === 16 * MiB) {
          frozen.push(server.freezeSessions());
          frozeAt = Date.now();
        }
      },
    }));
    const failed = logged('sftp live upload failed; the output continues into the spool and is uploaded again at the end');
    const detectedAfter = Number(failed[failed.length - 1]?.time) - frozeAt;
    // ssh2 gives up after KEEPALIVE_COUNT_MAX + 1 silent intervals; allow scheduling slack.
    expect(detectedAfter).toBeLessThan(KEEPALIVE_INTERVAL_MS * (KEEPALIVE_COUNT_MAX + 1) + 3000);
    expect(failed[failed.length - 1]).toMatchObject({ code: 'ERR_SFTP_STALLED' });
    expect(sink.details?.()).toMatchObject({ attempts: 2, bytes: total });
    expect(sha256(readFileSync(join(dir, 'out.csv')))).toBe(await generatedSha(total));
    frozen.pop()?.kill();
  });

  it('gives up after --retries attempts and publishes nothing when the server stays down', { timeout: 60_000 }, async () => {
    const dir = join(server.files, 'down');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg({ retries: 2 }), secrets, log, undefined);
    const e = await failure(runSink(sink, generated(24 * MiB, { at: (sent) => { if (sent === 8 * MiB) server.crash(); } })));
    expect(e.code).toBe('ERR_SFTP_CONNECTION');
    expect(e.message).toContain('after 3 attempt(s)');
    expect(sink.details?.()).toMatchObject({ attempts: 3 });
    await server.restart();
    expect(existsSync(join(dir, 'out.csv'))).toBe(false);
  });
});

describe('sftp download faults', () => {
  it('resumes a download at the byte it had after a crash', { timeout: 60_000 }, async () => {
    const chunks: Buffer[] = [];
    for await (const b of generated(40 * MiB + 3, { seed: 7 })) chunks.push(b);
    const data = Buffer.concat(chunks);
    writeFileSync(join(server.files, 'big.csv'), data);
    const source = createSftpSource(url(`${server.files}/big.csv`), cfg(), secrets, log);
    try {
      const [part] = await source.parts(new AbortController().signal);
      const r = await part.open(new AbortController().signal);
      const got: Buffer[] = [];
      let n = 0;
      let crashed = false;
      for await (const chunk of r) {
        got.push(chunk as Buffer);
        n += (chunk as Buffer).length;
        if (!crashed && n >= 8 * MiB) {
          crashed = true;
          server.crash();
          await server.restart();
        }
      }
      expect(sha256(Buffer.concat(got))).toBe(sha256(data));
      expect(logged('sftp read failed; resuming on a new connection').length).toBeGreaterThanOrEqual(1);
    } finally {
      await source.close?.();
    }
  });
});

describe('sftp host keys and authentication', () => {
  it('stops at a wrong pinned host key with both fingerprints, without retrying', { timeout: 20_000 }, async () => {
    const other = fingerprintOf(Buffer.from(ed25519KeyPair().public.split(' ')[1], 'base64'));
    const before = server.connections();
    const sink = createSftpSink(url(`${server.files}/hk.csv`), cfg({ sftpHostKey: other }), secrets, log, undefined);
    const e = await failure(sink.open(new AbortController().signal));
    expect(e).toMatchObject({ code: 'ERR_SFTP_HOST_KEY', retryable: false, exitCode: 1 });
    expect(e.message).toContain(`offered ${server.hostKeyFingerprint}`);
    expect(e.message).toContain(`expected ${other}`);
    await sink.abort(e);
    expect(server.connections() - before).toBe(1);
    expect(existsSync(join(server.files, 'hk.csv'))).toBe(false);
  });

  it('checks plain and hashed known_hosts entries and rejects unknown or different keys', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(server.dir, 'kh-'));
    const name = `[127.0.0.1]:${server.port}`;
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    const wrongKey = ed25519KeyPair().public.split(' ').slice(0, 2).join(' ');
    const files = {
      plain: `# comment\nother.example ${wrongKey}\n${name} ${server.hostKeyLine}\n`,
      hashed: `${hashed} ${server.hostKeyLine}\n`,
      wildcard: `[127.0.0.*]:${server.port},!10.0.0.1 ${server.hostKeyLine}\n`,
      different: `${name} ${wrongKey}\n`,
      unknown: `other.example ${server.hostKeyLine}\n`,
    };
    const c = (f: keyof typeof files): TransportConfig => {
      writeFileSync(join(dir, f), files[f]);
      return cfg({ sftpHostKey: undefined, knownHosts: join(dir, f) });
    };
    for (const ok of ['plain', 'hashed', 'wildcard'] as const) {
      const sink = createSftpSink(url(`${server.files}/kh-${ok}.csv`), c(ok), secrets, log, undefined);
      await runSink(sink, generated(1000));
      expect(existsSync(join(server.files, `kh-${ok}.csv`))).toBe(true);
    }
    const diff = createSftpSink(url(`${server.files}/kh-x.csv`), c('different'), secrets, log, undefined);
    const e1 = await failure(diff.open(new AbortController().signal));
    expect(e1).toMatchObject({ code: 'ERR_SFTP_HOST_KEY', retryable: false });
    expect(e1.message).toContain(`offered ${server.hostKeyFingerprint}`);
    expect(e1.message).toContain(fingerprintOf(Buffer.from(wrongKey.split(' ')[1], 'base64')));
    await diff.abort(e1);
    const unknown = createSftpSource(url(`${server.files}/kh-plain.csv`), c('unknown'), secrets, log);
    const e2 = await failure(unknown.parts(new AbortController().signal));
    expect(e2).toMatchObject({ code: 'ERR_SFTP_HOST_KEY', retryable: false });
    expect(e2.message).toContain('is unknown');
    expect(e2.message).toContain(server.hostKeyFingerprint);
    await unknown.close?.();
  });

  it('accepts any key only when told to, and warns every time', { timeout: 20_000 }, async () => {
    const warnings = logged('SFTP host key NOT verified (--sftp-insecure-accept-any-host-key): anyone on the network path can intercept this transfer').length;
    const c = cfg({ sftpHostKey: undefined, knownHosts: '/nonexistent/known_hosts', sftpInsecureAcceptAnyHostKey: true });
    await runSink(createSftpSink(url(`${server.files}/insecure.csv`), c, secrets, log, undefined), generated(10));
    expect(logged('SFTP host key NOT verified (--sftp-insecure-accept-any-host-key): anyone on the network path can intercept this transfer').length).toBe(warnings + 1);
  });

  it.skipIf(process.getuid?.() !== 0)('logs in with a password, and stops at a wrong one without retrying', { timeout: 30_000 }, async () => {
    const user = pwUser as PasswordUser;
    const c = transportConfig({ sftpHostKey: server.hostKeyFingerprint });
    const sink = createSftpSink(url(`${user.dir}/pw.csv`, user.name), c, { sftpPassword: user.password }, log, undefined);
    await runSink(sink, generated(MiB));
    expect(readFileSync(join(user.dir, 'pw.csv')).length).toBe(MiB);

    const before = server.connections();
    const bad = createSftpSink(url(`${user.dir}/bad.csv`, user.name), c, { sftpPassword: wrongPassword }, log, undefined);
    const e = await failure(bad.open(new AbortController().signal));
    expect(e).toMatchObject({ code: 'ERR_SFTP_AUTH', retryable: false });
    await bad.abort(e);
    expect(server.connections() - before).toBe(1);
    expect(existsSync(join(user.dir, 'bad.csv'))).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('answers a PAM keyboard-interactive prompt with the password', { timeout: 30_000 }, async () => {
    const user = pwUser as PasswordUser;
    const pam = await startSshd({ keyboardInteractiveOnly: true });
    try {
      const c = transportConfig({ sftpHostKey: pam.hostKeyFingerprint });
      const to = `sftp://${user.name}@127.0.0.1:${pam.port}${user.dir}/kbd.csv`;
      await runSink(createSftpSink(to, c, { sftpPassword: user.password }, log, undefined), generated(1000));
      expect(readFileSync(join(user.dir, 'kbd.csv')).length).toBe(1000);
      const bad = createSftpSink(to, c, { sftpPassword: wrongPassword }, log, undefined);
      const e = await failure(bad.open(new AbortController().signal));
      expect(e).toMatchObject({ code: 'ERR_SFTP_AUTH', retryable: false });
      await bad.abort(e);
      // One failed PAM conversation: the wrong password was not sent twice.
      expect((pam.log().match(/PAM: Authentication failure/g) ?? []).length).toBe(1);
    } finally {
      await pam.stop();
    }
  });
});

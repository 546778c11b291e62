/**
 * SFTP sink and source against a real OpenSSH sshd on 127.0.0.1 (test/helpers/sshd.ts).
 * Faults (crash, freeze, wrong keys) are in sftp-faults.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutputSet, sinkPart } from '../src/outputs/output-set.js';
import { createSftpSink } from '../src/outputs/sftp-sink.js';
import { createSftpSource } from '../src/sources/sftp-source.js';
import { TransportError } from '../src/errors/errors.js';
import { parseSftpAddress } from '../src/transport/sftp/address.js';
import { connectSftp } from '../src/transport/sftp/connect.js';
import { hasPosixRename, publishPart } from '../src/transport/sftp/publish.js';
import type { Secrets } from '../src/config/types.js';
import { startSshd, type Sshd } from './helpers/sshd.js';
import { captureLogger, spoolsInOwnDirectory, findSecrets, generated, generatedSha, readSource, runSink, sha256, transportConfig } from './helpers/sftp-fixtures.js';

let server: Sshd;
let secrets: Secrets;
const lines: string[] = [];
const log = captureLogger(lines);

beforeAll(async () => {
  server = await startSshd();
  secrets = { sftpPassphrase: server.passphrase };
});

afterAll(async () => {
  await server?.stop();
  // SFTP_TEST_LOG=<file> keeps the suite's log lines for a look after the run.
  if (process.env.SFTP_TEST_LOG !== undefined) writeFileSync(process.env.SFTP_TEST_LOG, lines.join(''));
  if (server === undefined) return;
  const leaks = findSecrets(lines.join(''), [server.passphrase, server.clientKeyText]);
  expect(leaks).toEqual([]);
});

// After the server's hooks: its directory stays out of the spools' one.
spoolsInOwnDirectory();

function cfg(over: Parameters<typeof transportConfig>[0] = {}) {
  return transportConfig({ sftpKey: server.clientKeyFile, sftpHostKey: server.hostKeyFingerprint, ...over });
}

function url(path: string): string {
  return `sftp://${server.username}@127.0.0.1:${server.port}${path}`;
}

describe('sftp round trip', () => {
  it('ssh2\'s native ciphers survive being garbage collected (no ObjectWrap cleanup-hook abort)', () => {
    // Built against Node >= 24.19's own node_object_wrap.h, every collected cipher object calls
    // RemoveEnvironmentCleanupHook from the GC and the process aborts (nodejs/node#65446);
    // scripts/build-native.mjs builds the binding with the ObjectWrap of before. 600,000
    // ciphers made and dropped, across a timer tick, took that abort every time.
    const binding = createRequire(import.meta.url).resolve('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
    const script = `
      const { AESGCMCipher } = require(${JSON.stringify(binding)});
      const key = Buffer.alloc(16, 1), iv = Buffer.alloc(12, 2);
      const churn = () => { let junk = []; for (let i = 0; i < 300000; i++) { junk.push(new AESGCMCipher('aes-128-gcm', key, iv)); if (junk.length > 1000) junk = []; } };
      churn();
      setTimeout(() => { churn(); console.log('survived'); }, 50);`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim() }).toEqual({ status: 0, signal: null, out: 'survived' });
  });

  it('seals packets with ssh2\'s native binding and AES-GCM (npm ci builds it for this Node)', async () => {
    // Without the binding every packet costs a createCipheriv in JavaScript: a third of the
    // upload speed. scripts/build-native.mjs (postinstall) builds it; this fails if it could not.
    const session = await connectSftp(parseSftpAddress(url('/~/x.csv'), {}, '--out'), cfg(), secrets, log);
    try {
      expect({ nativeCrypto: session.nativeCrypto, cipher: session.cipher }).toEqual({
        nativeCrypto: true,
        cipher: 'aes128-gcm@openssh.com',
      });
      expect(lines.some((l) => l.includes('"msg":"sftp connected"') && l.includes('"nativeCrypto":true'))).toBe(true);
    } finally {
      await session.end();
    }
  });

  it('uploads through the sink and reads back the same bytes through the source', { timeout: 60_000 }, async () => {
    const total = 48 * 1024 * 1024 + 12345;
    const dir = join(server.files, 'rt');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/`), cfg(), secrets, log, '/local/path/audience.csv');
    expect(sink.description).toBe(url(`${dir}/audience.csv`));
    await runSink(sink, generated(total));
    const want = await generatedSha(total);
    expect(sha256(readFileSync(join(dir, 'audience.csv')))).toBe(want);
    expect(readdirSync(dir)).toEqual(['audience.csv']);
    const details = sink.details?.() ?? {};
    expect(details).toMatchObject({ host: '127.0.0.1', port: server.port, user: server.username, remotePath: `${dir}/audience.csv`, bytes: total, attempts: 1 });
    expect(typeof details.durationMs).toBe('number');

    const source = createSftpSource(url(`${dir}/audience.csv`), cfg(), secrets, log);
    try {
      const got = await readSource(source);
      expect(got.bytes).toBe(total);
      expect(got.sha).toBe(want);
    } finally {
      await source.close?.();
    }
  });

  it('publishes an empty output as an empty file', { timeout: 20_000 }, async () => {
    const sink = createSftpSink(url(`${server.files}/empty.csv`), cfg(), secrets, log, undefined);
    await runSink(sink, generated(0));
    expect(readFileSync(join(server.files, 'empty.csv')).length).toBe(0);
  });

  it('reads every file matching a pattern in natural order as one input', { timeout: 30_000 }, async () => {
    const dir = join(server.files, 'parts');
    mkdirSync(dir);
    const expected: string[] = [];
    for (let i = 1; i <= 12; i++) writeFileSync(join(dir, `part-${i}.sync.csv`), `h\n${i}\n`);
    for (let i = 1; i <= 12; i++) expected.push(`h\n${i}\n`);
    writeFileSync(join(dir, 'other.txt'), 'x');
    writeFileSync(join(dir, '.hidden.sync.csv'), 'x');
    writeFileSync(join(dir, 'part-13.sync.csv.part'), 'x');
    const source = createSftpSource(url(`${dir}/part-*.sync.csv`), cfg(), secrets, log);
    try {
      const got = await readSource(source);
      expect(got.names).toEqual(Array.from({ length: 12 }, (_, i) => url(`${dir}/part-${i + 1}.sync.csv`)));
      expect(got.sha).toBe(sha256(expected.join('')));
    } finally {
      await source.close?.();
    }
    // A bare directory reads every visible file but skips uploads in progress.
    const all = createSftpSource(url(`${dir}/`), cfg(), secrets, log);
    try {
      const got = await readSource(all);
      expect(got.names.map((n) => n.slice(n.lastIndexOf('/') + 1))).toEqual([
        'other.txt', ...Array.from({ length: 12 }, (_, i) => `part-${i + 1}.sync.csv`),
      ]);
    } finally {
      await all.close?.();
    }
  });

  it('addresses a named account and its directory', { timeout: 20_000 }, async () => {
    const dir = join(server.files, 'acct');
    mkdirSync(dir);
    const accounts = {
      exportSharedAudience: {
        host: '127.0.0.1', port: server.port, username: server.username,
        privateKeyFile: server.clientKeyFile, hostKey: server.hostKeyFingerprint, dir,
      },
    };
    const c = transportConfig({ accounts });
    const sink = createSftpSink('account:exportSharedAudience', c, secrets, log, 'in/segment.csv');
    await runSink(sink, generated(100_000));
    expect(readFileSync(join(dir, 'segment.csv')).length).toBe(100_000);
    const source = createSftpSource('account:exportSharedAudience/segment.csv', c, secrets, log);
    try {
      expect((await readSource(source)).bytes).toBe(100_000);
    } finally {
      await source.close?.();
    }
  });

  it('deletes or moves the inputs after success', { timeout: 30_000 }, async () => {
    const dir = join(server.files, 'after');
    mkdirSync(join(dir, 'done'), { recursive: true });
    for (const n of ['a-1.csv', 'a-2.csv', 'b-1.csv']) writeFileSync(join(dir, n), n);
    const moving = createSftpSource(url(`${dir}/a-*.csv`), cfg({ moveAfter: 'done' }), secrets, log);
    try {
      await readSource(moving);
      await moving.afterSuccess?.();
    } finally {
      await moving.close?.();
    }
    expect(readdirSync(join(dir, 'done')).sort()).toEqual(['a-1.csv', 'a-2.csv']);
    const deleting = createSftpSource(url(`${dir}/b-1.csv`), cfg({ deleteAfter: true }), secrets, log);
    try {
      await readSource(deleting);
      await deleting.afterSuccess?.();
    } finally {
      await deleting.close?.();
    }
    expect(readdirSync(dir).sort()).toEqual(['done']);
  });

  it('leaves the old file in place and no .part when the output fails midway', { timeout: 30_000 }, async () => {
    const dir = join(server.files, 'atomic');
    mkdirSync(dir);
    writeFileSync(join(dir, 'out.csv'), 'previous version\n');
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    const boom = new Error('transform failed');
    const failing = generated(32 * 1024 * 1024, { at: (sent) => { if (sent >= 8 * 1024 * 1024) throw boom; } });
    await expect(runSink(sink, failing)).rejects.toBe(boom);
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('previous version\n');
  });

  it('replaces an existing file without posix-rename by remove + rename', { timeout: 20_000 }, async () => {
    const dir = join(server.files, 'fallback');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.part'), 'new\n');
    writeFileSync(join(dir, 'a.csv'), 'old\n');
    const addr = parseSftpAddress(url(`${dir}/a.csv`), {}, '--out');
    const session = await connectSftp(addr, cfg(), secrets, log);
    try {
      expect(hasPosixRename(session)).toBe(true);
      // Pretend to be a server without the extension (a plain SFTP v3 rename refuses to overwrite).
      const ext = (session.sftp as unknown as { _extensions: Record<string, string> })._extensions;
      delete ext['posix-rename@openssh.com'];
      expect(hasPosixRename(session)).toBe(false);
      await publishPart(session, `${dir}/a.part`, `${dir}/a.csv`, 4);
    } finally {
      await session.end();
    }
    expect(readdirSync(dir)).toEqual(['a.csv']);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('new\n');
  });

  it('refuses to publish a .part whose size differs from the bytes sent', { timeout: 20_000 }, async () => {
    const dir = join(server.files, 'short');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.part'), 'abc');
    const session = await connectSftp(parseSftpAddress(url(`${dir}/a.csv`), {}, '--out'), cfg(), secrets, log);
    try {
      await expect(publishPart(session, `${dir}/a.part`, `${dir}/a.csv`, 4)).rejects.toMatchObject({ code: 'ERR_SFTP_SIZE_MISMATCH', retryable: true });
    } finally {
      await session.end();
    }
    expect(existsSync(join(dir, 'a.csv'))).toBe(false);
  });

  it('refuses a missing remote directory at open, without retrying', { timeout: 20_000 }, async () => {
    const before = server.connections();
    const sink = createSftpSink(url(`${server.files}/no/such/dir/out.csv`), cfg(), secrets, log, undefined);
    const err = await sink.open(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'ERR_SFTP_NO_SUCH_FILE', retryable: false, exitCode: 1 });
    await sink.abort(err);
    expect(server.connections() - before).toBe(1);
    expect(existsSync(join(server.files, 'no'))).toBe(false);

    const source = createSftpSource(url(`${server.files}/missing.csv`), cfg(), secrets, log);
    try {
      await expect(source.parts(new AbortController().signal)).rejects.toMatchObject({ code: 'ERR_SFTP_NO_SUCH_FILE', retryable: false });
    } finally {
      await source.close?.();
    }
    const nomatch = createSftpSource(url(`${server.files}/*.nothing`), cfg(), secrets, log);
    try {
      await expect(nomatch.parts(new AbortController().signal)).rejects.toMatchObject({ code: 'ERR_SFTP_NO_MATCH', retryable: false });
    } finally {
      await nomatch.close?.();
    }
  });
});

describe('sftp sink in an output set: complete first, published last', () => {
  it('prepare() leaves the whole output in the .part and nothing under the final name; commit() renames it', { timeout: 30_000 }, async () => {
    const dir = join(server.files, 'prepared');
    mkdirSync(dir);
    const total = 3 * 1024 * 1024 + 17;
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    await pipeline(Readable.from(generated(total)), await sink.open(new AbortController().signal));
    await sink.prepare!();
    expect(readdirSync(dir)).toEqual(['out.csv.part']);
    expect(readFileSync(join(dir, 'out.csv.part')).length).toBe(total);
    await sink.commit();
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(sha256(readFileSync(join(dir, 'out.csv')))).toBe(await generatedSha(total));
    expect(sink.details?.()).toMatchObject({ bytes: total, attempts: 1 });
  });

  it('another output that cannot be completed: the prepared upload is removed, nothing is published', { timeout: 30_000 }, async () => {
    const dir = join(server.files, 'set-other-fails');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg(), secrets, log, undefined);
    const set = new OutputSet();
    set.add(sinkPart(sink));
    set.add({
      name: 'rejects.csv',
      prepare: async () => {
        // The upload is complete by now: only its rename is left.
        expect(readdirSync(dir)).toEqual(['out.csv.part']);
        throw new Error('disk full');
      },
      publish: async () => {},
      abort: async () => {},
    });
    await pipeline(Readable.from(generated(1024 * 1024)), await sink.open(new AbortController().signal));
    const err = await set.commit().catch((e: unknown) => e);
    await set.abort(err);
    expect((err as Error).message).toBe('disk full');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an upload that cannot be completed fails before the run\'s other outputs are published', { timeout: 30_000 }, async () => {
    const dir = join(server.files, 'set-fails');
    mkdirSync(dir);
    const sink = createSftpSink(url(`${dir}/out.csv`), cfg({ retries: 0 }), secrets, log, undefined);
    const calls: string[] = [];
    const set = new OutputSet();
    // Added first, so it would be published first were the upload not completed before.
    set.add({ name: 'local.csv', publish: async () => void calls.push('publish local.csv'), abort: async () => void calls.push('abort local.csv') });
    set.add(sinkPart(sink));
    await pipeline(Readable.from(generated(1024 * 1024)), await sink.open(new AbortController().signal));
    // The server loses the upload: the size check fails, and --retries 0 allows no upload again.
    rmSync(join(dir, 'out.csv.part'));
    const err = await set.commit().catch((e: unknown) => e);
    await set.abort(err);
    expect(err).toBeInstanceOf(TransportError);
    expect(calls).toEqual(['abort local.csv']);
    expect(readdirSync(dir)).toEqual([]);
  });
});

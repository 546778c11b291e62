/**
 * Input sizes for the progress line's percent and ETA: a regular file's from stat, an HTTP
 * download's from Content-Length, SFTP files' from the listing; none for a pipe.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Secrets } from '../src/config/types.js';
import { createHttpSource } from '../src/sources/http-source.js';
import { createFileSource } from '../src/sources/local-source.js';
import { createSftpSource } from '../src/sources/sftp-source.js';
import { closeByteStream } from '../src/sources/source.js';
import { silentLogger } from '../src/util/logger.js';
import { tempDir } from './helpers/cli.js';
import { startByteServer, type ByteServer } from './helpers/http-server.js';
import { transportConfig } from './helpers/sftp-fixtures.js';
import { startSshd, type Sshd } from './helpers/sshd.js';

const { dir, cleanup } = tempDir('ap-size-');
const log = silentLogger();
let http: ByteServer;
let sshd: Sshd;

beforeAll(async () => {
  http = await startByteServer(Buffer.alloc(12_345, 0x61));
  sshd = await startSshd();
});
afterAll(async () => {
  await http?.close();
  await sshd?.stop();
  cleanup();
});

describe('SourcePart.size', () => {
  it('a regular file: its size once opened', async () => {
    const path = join(dir, 'a.csv');
    writeFileSync(path, 'x'.repeat(777));
    const [part] = await createFileSource(path, 65536).parts(new AbortController().signal);
    await closeByteStream(await part.open(new AbortController().signal));
    expect(part.size?.()).toBe(777);
  });

  it('a FIFO: unknown', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const [part] = await createFileSource(fifo, 65536).parts(new AbortController().signal);
    // Opening a FIFO for reading waits for a writer.
    const writer = spawn('sh', ['-c', `printf 'a\\n' > '${fifo}'`], { stdio: 'ignore' });
    await closeByteStream(await part.open(new AbortController().signal));
    await new Promise((resolve) => writer.on('close', resolve));
    expect(part.size?.()).toBeUndefined();
  });

  it('HTTP: Content-Length once the first response is in', async () => {
    const source = createHttpSource(`${http.origin}/x.csv`, transportConfig(), log);
    const [part] = await source.parts(new AbortController().signal);
    expect(part.size?.()).toBeUndefined();
    await closeByteStream(await part.open(new AbortController().signal));
    expect(part.size?.()).toBe(12_345);
    await source.close?.();
  });

  it('SFTP: from the listing, for each file of a pattern and for a single file', async () => {
    const remote = join(sshd.files, 'sized');
    mkdirSync(remote);
    writeFileSync(join(remote, 'p-1.csv'), 'a'.repeat(100));
    writeFileSync(join(remote, 'p-2.csv'), 'b'.repeat(250));
    const secrets: Secrets = { sftpPassphrase: sshd.passphrase };
    const cfg = transportConfig({ sftpKey: sshd.clientKeyFile, sftpHostKey: sshd.hostKeyFingerprint });
    const url = (p: string): string => `sftp://${sshd.username}@127.0.0.1:${sshd.port}${p}`;
    const many = createSftpSource(url(`${remote}/p-*.csv`), cfg, secrets, log);
    const one = createSftpSource(url(`${remote}/p-2.csv`), cfg, secrets, log);
    try {
      expect((await many.parts(new AbortController().signal)).map((p) => p.size?.())).toEqual([100, 250]);
      expect((await one.parts(new AbortController().signal)).map((p) => p.size?.())).toEqual([250]);
    } finally {
      await many.close?.();
      await one.close?.();
    }
  });
});

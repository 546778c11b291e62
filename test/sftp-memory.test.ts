/**
 * A slow SFTP server must slow the producer, not grow the process: the sink's Writable
 * acknowledges a batch only when the spool and the upload window have taken it. The server is
 * throttled by freezing its session processes (SIGSTOP) for most of each 200 ms period, well
 * inside the keepalive bound. The bound is generous and about memory, never about time.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSftpSink } from '../src/outputs/sftp-sink.js';
import { startSshd, type FrozenSessions, type Sshd } from './helpers/sshd.js';
import { captureLogger, findSecrets, generated, runSink, transportConfig } from './helpers/sftp-fixtures.js';

const MiB = 1024 * 1024;
let server: Sshd;
const lines: string[] = [];
const log = captureLogger(lines);

beforeAll(async () => {
  server = await startSshd();
});

afterAll(async () => {
  await server?.stop();
  if (server === undefined) return;
  expect(findSecrets(lines.join(''), [server.passphrase, server.clientKeyText])).toEqual([]);
});

it('keeps memory bounded while a slow server takes 320 MiB', { timeout: 120_000 }, async () => {
  const c = transportConfig({ sftpKey: server.clientKeyFile, sftpHostKey: server.hostKeyFingerprint });
  const secrets = { sftpPassphrase: server.passphrase };
  // Warm up connection code and buffers so the baseline includes them.
  await runSink(createSftpSink(`sftp://${server.username}@127.0.0.1:${server.port}${server.files}/warm.csv`, c, secrets, log, undefined), generated(16 * MiB));
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  let throttle: NodeJS.Timeout | undefined;
  let frozen: FrozenSessions | undefined;
  let cycles = 0;
  const total = 320 * MiB;
  try {
    const sink = createSftpSink(`sftp://${server.username}@127.0.0.1:${server.port}${server.files}/slow.csv`, c, secrets, log, undefined);
    await runSink(sink, generated(total, {
      at: (sent) => {
        if (sent !== 0) return;
        throttle = setInterval(() => {
          frozen = server.freezeSessions();
          cycles++;
          setTimeout(() => frozen?.resume(), 150);
        }, 200);
      },
    }));
    expect(sink.details?.()).toMatchObject({ attempts: 1, bytes: total });
  } finally {
    clearInterval(throttle);
    clearInterval(sampler);
    frozen?.resume();
  }
  expect(statSync(join(server.files, 'slow.csv')).size).toBe(total);
  expect(cycles).toBeGreaterThan(5);
  const grewMiB = (peak - baseline) / MiB;
  console.log(`slow server: ${cycles} freeze cycles, RSS grew ${grewMiB.toFixed(1)} MiB for ${total / MiB} MiB uploaded`);
  // Measured 46-77 MiB, mostly garbage V8 has not collected yet (it lets external memory
  // grow by tens of MiB before a GC); buffering the upload would show as >= 320 MiB.
  expect(grewMiB).toBeLessThan(128);
});

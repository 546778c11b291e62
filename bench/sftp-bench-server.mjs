// The SFTP benchmarks' server: a real OpenSSH sshd on 127.0.0.1 (test/helpers/sshd.ts), with an
// unencrypted key added for OpenSSH's own client (batch mode cannot prompt for a passphrase).
//
// Where the server keeps its files: a remote server writes to its own disk, not to the disk
// where the client keeps its local files (the spool, the two-step's processed file). On one
// machine both would otherwise land on the same ext4 filesystem and contend for it, which
// measured 20-30% off whichever client also writes locally (our sink's spool; see
// bench/RESULTS.md). So the server's directory goes to tmpfs (/dev/shm) when there is one, and
// every local file of the clients stays in os.tmpdir(). SFTP_BENCH_SERVER_DIR=<dir> overrides it
// (SFTP_BENCH_SERVER_DIR=/tmp for the shared-disk case).
import { appendFileSync, accessSync, constants, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519KeyPair, startSshd } from '../test/helpers/sshd.ts';

function serverParent() {
  if (process.env.SFTP_BENCH_SERVER_DIR) return process.env.SFTP_BENCH_SERVER_DIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** Starts the server; `sshOpts` are the OpenSSH client's options for it (no host `user@...`). */
export async function startBenchServer() {
  const parentDir = serverParent();
  const server = await startSshd({ parentDir });
  const plain = ed25519KeyPair();
  const keyFile = join(server.dir, 'bench_key');
  writeFileSync(keyFile, plain.private, { mode: 0o600 });
  appendFileSync(join(server.dir, 'authorized_keys'), `${plain.public}\n`);
  const sshOpts = ['-i', keyFile, '-P', String(server.port), '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
  return { server, sshOpts, serverStorage: parentDir };
}

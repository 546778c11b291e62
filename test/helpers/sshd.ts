/**
 * A real OpenSSH sshd on 127.0.0.1 for one test suite (SERVERS.md §5): free port, generated
 * ed25519 host and client keys, foreground process stopped by PID, plus fault helpers that
 * kill or freeze the server's session processes. Written in erasable TypeScript only, so the
 * benchmark can import it with Node's type stripping.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { freePort } from './ports.ts';

export { freePort };

export interface SshdOptions {
  /** Also allow password logins (for the password user, see createPasswordUser). */
  readonly passwordAuth?: boolean;
  /** Passwords only through PAM's keyboard-interactive prompt, as many PAM-based servers do. */
  readonly keyboardInteractiveOnly?: boolean;
  /**
   * Where the server's directory (its keys, config and `files`) is made; os.tmpdir() by default.
   * The benchmarks put it on another filesystem than the client's spool, as a remote server is.
   */
  readonly parentDir?: string;
}

export interface PasswordUser {
  readonly name: string;
  readonly password: string;
  /** A directory the user can write to. */
  readonly dir: string;
  remove(): void;
}

export interface Sshd {
  readonly dir: string;
  /** Where tests put and find remote files (absolute; the server sees the same filesystem). */
  readonly files: string;
  readonly port: number;
  readonly username: string;
  /** Client private key file (encrypted with `passphrase`) and its text. */
  readonly clientKeyFile: string;
  readonly clientKeyText: string;
  readonly passphrase: string;
  /** `SHA256:...` of the server's host key and a known_hosts key field (`ssh-ed25519 AAAA...`). */
  readonly hostKeyFingerprint: string;
  readonly hostKeyLine: string;
  /** The sshd log (stderr), for counting connections. */
  log(): string;
  /** Connections the server has accepted so far (TCP level). */
  connections(): number;
  /** Stops the listener and every session (SIGKILL to sessions, SIGTERM to the listener), removes `dir`. */
  stop(): Promise<void>;
  /** Starts the listener again on the same port with the same keys. */
  restart(): Promise<void>;
  /** Simulates a crash: SIGKILL to the listener and all session processes. */
  crash(): void;
  /** Freezes the current sessions (SIGSTOP); the listener keeps accepting new ones. */
  freezeSessions(): FrozenSessions;
}

export interface FrozenSessions {
  readonly pids: readonly number[];
  resume(): void;
  kill(): void;
}

/**
 * ssh2.utils.generateKeyPairSync('ed25519') writes a malformed key (31-byte public key, which
 * neither ssh2 nor OpenSSH can load) when the public key starts with a zero byte: about one
 * key in 256. Generate until the pair parses.
 */
export function ed25519KeyPair(opts: { passphrase?: string; cipher?: string; rounds?: number } = {}): { private: string; public: string } {
  for (;;) {
    const pair = opts.passphrase === undefined
      ? ssh2.utils.generateKeyPairSync('ed25519')
      : ssh2.utils.generateKeyPairSync('ed25519', { passphrase: opts.passphrase, cipher: opts.cipher ?? 'aes256-ctr', rounds: opts.rounds ?? 4 });
    const priv = ssh2.utils.parseKey(pair.private, opts.passphrase);
    const pub = ssh2.utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error) && Buffer.from(pair.public.split(' ')[1], 'base64').length === 51) return pair;
  }
}

/** Children of `pid`, from /proc (no dependency on procps). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state ppid ...
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[1]) === pid) out.push(Number(entry));
  }
  return out;
}

function descendants(pid: number): number[] {
  const all: number[] = [];
  for (const c of childPids(pid)) all.push(c, ...descendants(c));
  return all;
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // Already gone.
    }
  }
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'sftp-it-'));
  const files = join(dir, 'files');
  mkdirSync(files);
  const passphrase = `pp-${randomBytes(12).toString('hex')}`;
  const host = ed25519KeyPair();
  const client = ed25519KeyPair({ passphrase });
  writeFileSync(join(dir, 'host_key'), host.private, { mode: 0o600 });
  writeFileSync(join(dir, 'client_key'), client.private, { mode: 0o600 });
  writeFileSync(join(dir, 'authorized_keys'), `${client.public}\n`);
  const hostBlob = Buffer.from(host.public.split(' ')[1], 'base64');
  const hostKeyFingerprint = `SHA256:${createHash('sha256').update(hostBlob).digest('base64').replace(/=+$/, '')}`;
  const isRoot = process.getuid?.() === 0;
  if (isRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const logFile = join(dir, 'sshd.log');
  writeFileSync(logFile, '');

  let port = 0;
  let proc: ChildProcess | undefined;
  const writeConfig = (): void => {
    writeFileSync(join(dir, 'sshd_config'), [
      'ListenAddress 127.0.0.1', `Port ${port}`, `HostKey ${dir}/host_key`, `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`, 'PubkeyAuthentication yes',
      `PasswordAuthentication ${opts.passwordAuth === true && opts.keyboardInteractiveOnly !== true ? 'yes' : 'no'}`,
      `KbdInteractiveAuthentication ${opts.keyboardInteractiveOnly === true ? 'yes' : 'no'}`,
      'PermitRootLogin prohibit-password', `UsePAM ${opts.keyboardInteractiveOnly === true ? 'yes' : 'no'}`, 'StrictModes no', 'AllowTcpForwarding no',
      'X11Forwarding no', 'PrintMotd no', 'MaxStartups 100:30:200', 'MaxSessions 50',
      'Subsystem sftp internal-sftp', 'LogLevel VERBOSE',
    ].join('\n') + '\n');
  };
  const launch = (): Promise<void> => new Promise((resolve, reject) => {
    const p = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    let err = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`sshd not ready after 5 s: ${err}`));
    }, 5000);
    p.stderr?.on('data', (d: Buffer) => {
      appendFileSync(logFile, d);
      err += d.toString();
      if (err.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}: ${err}`));
    });
  });

  for (let tries = 0; ; tries++) {
    port = await freePort();
    writeConfig();
    try {
      await launch();
      break;
    } catch (err) {
      // The free-port trick races with other processes; try another port.
      if (tries >= 4) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const listenerPid = (): number | undefined => (proc !== undefined && proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined);
  const sessions = (): number[] => {
    const pid = listenerPid();
    return pid === undefined ? [] : descendants(pid);
  };
  let orphaned: number[] = [];
  let crashed = false;
  // If the test process dies before stop(), take the server down with it (an orphaned sshd
  // would keep its port and sessions).
  const onExit = (): void => {
    const pid = listenerPid();
    if (pid !== undefined) signal([pid, ...descendants(pid), ...orphaned], 'SIGKILL');
  };
  process.once('exit', onExit);
  const server: Sshd = {
    dir,
    files,
    port,
    username: userInfo().username,
    clientKeyFile: join(dir, 'client_key'),
    clientKeyText: client.private,
    passphrase,
    hostKeyFingerprint,
    hostKeyLine: host.public.split(' ').slice(0, 2).join(' '),
    log: () => readFileSync(logFile, 'utf8'),
    connections: () => (readFileSync(logFile, 'utf8').match(/Connection from 127\.0\.0\.1/g) ?? []).length,
    async stop() {
      signal([...sessions(), ...orphaned], 'SIGKILL');
      orphaned = [];
      const p = proc;
      if (p !== undefined && p.exitCode === null && p.signalCode === null) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => p.kill('SIGKILL'), 3000);
          p.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          p.kill('SIGTERM');
        });
      }
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      const p = proc;
      if (p !== undefined && p.exitCode === null && p.signalCode === null) {
        if (!crashed) return;
        await new Promise((resolve) => p.once('exit', resolve));
      }
      crashed = false;
      await launch();
    },
    crash() {
      const pid = listenerPid();
      if (pid === undefined) return;
      crashed = true;
      const kids = descendants(pid);
      signal([pid, ...kids], 'SIGKILL');
    },
    freezeSessions() {
      const pids = sessions();
      signal(pids, 'SIGSTOP');
      orphaned.push(...pids);
      return {
        pids,
        resume: () => signal(pids, 'SIGCONT'),
        // SIGKILL also ends a stopped process; no SIGCONT first, so a frozen session never writes again.
        kill: () => signal(pids, 'SIGKILL'),
      };
    },
  };
  return server;
}

/**
 * A non-root user with a password, for password logins (root may only use keys, SERVERS.md
 * §2a). Needs root; returns undefined otherwise.
 */
export function createPasswordUser(): PasswordUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = `apsftp${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'sftp-pw-'));
  execFileSync('useradd', ['--no-create-home', '--home-dir', dir, '--shell', '/bin/sh', name], { stdio: 'ignore' });
  execFileSync('chpasswd', [], { input: `${name}:${password}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
  execFileSync('chown', [name, dir]);
  return {
    name,
    password,
    dir,
    remove() {
      try {
        execFileSync('userdel', [name], { stdio: 'ignore' });
      } catch {
        // Best effort.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import SftpClient from 'ssh2-sftp-client';
import type { Algorithms, Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import { TransportError } from '../../errors/errors.js';
import type { Secrets, TransportConfig } from '../../config/types.js';
import type { Logger } from '../../util/logger.js';
import { endpointOf, type SftpAddress } from './address.js';
import { authSequence } from './auth-sequence.js';
import { resolveSftpCredentials } from './credentials.js';
import { SftpCode, toSftpError } from './errors.js';
import { hostKeyPolicy, preferredHostKeyAlgorithms, verifyHostKey, type HostKeyVerdict } from './host-key.js';

/**
 * Timing of every SFTP connection. A server that stops answering is declared dead after
 * KEEPALIVE_INTERVAL_MS * (KEEPALIVE_COUNT_MAX + 1) at most (SERVERS.md §4: without keepalive
 * a stalled server hangs ssh2 forever; with 1000 ms x 3 it failed after about 3.4 s).
 */
export const KEEPALIVE_INTERVAL_MS = 1000;
export const KEEPALIVE_COUNT_MAX = 3;
export const READY_TIMEOUT_MS = 10_000;
/** How long `end()` waits for a polite close before dropping the socket. */
const END_TIMEOUT_MS = 2000;

/** ssh2 private fields we depend on (present in ssh2 1.x, absent from @types). */
interface SftpClientInternals {
  client: Client;
}
interface SftpLimits {
  _maxWriteLen?: number;
  _maxReadLen?: number;
}

/** Callback shape of ssh2's SFTPWrapper methods. */
export type SftpCallback<T> = (err: Error | null | undefined, value?: T) => void;

/** One live SFTP connection. */
export interface SftpSession {
  /** `sftp://user@host:port`: for messages and logs. */
  readonly where: string;
  readonly sftp: SFTPWrapper;
  /** SHA256 fingerprint of the host key the server showed. */
  readonly fingerprint: string;
  /** Cipher negotiated for what we send (client to server), e.g. `aes128-gcm@openssh.com`. */
  readonly cipher: string;
  /** Whether ssh2 seals packets with its native binding (one call a packet) or in JavaScript. */
  readonly nativeCrypto: boolean;
  /** Largest payload of one WRITE / READ request the server accepts (limits@openssh.com). */
  readonly maxWriteLen: number;
  readonly maxReadLen: number;
  /** Aborted, with a TransportError as `reason`, the moment the connection is gone or ended. */
  readonly lost: AbortSignal;
  /**
   * Runs one SFTPWrapper call and settles when it answers or when the connection is lost,
   * whichever comes first: ssh2 leaves some callbacks pending forever on a dead connection.
   */
  call<T = void>(op: string, path: string | undefined, fn: (cb: SftpCallback<T>) => void): Promise<T>;
  /** Runs `fn` with the socket corked: the requests it sends leave in one writev. */
  corked<T>(fn: () => T): T;
  /** Closes the connection. Never throws; bounded in time. */
  end(): Promise<void>;
}

/**
 * Whether ssh2's optional native crypto binding loaded in this process. Without it every packet
 * is sealed by a fresh createCipheriv in JavaScript: uploads lose about a third of their speed.
 * `npm ci` builds it for the project's Node (scripts/build-native.mjs).
 */
const SSH2_NATIVE_CRYPTO: boolean = (() => {
  try {
    const crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: unknown };
    return crypto.bindingAvailable === true;
  } catch {
    return false;
  }
})();

const SUPPORTED_HOST_KEY_ALGOS: readonly string[] = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss',
];

/**
 * Opens an SFTP connection (ssh2-sftp-client) to `addr`: key or password login, host key
 * checked before any credential is sent, Nagle off, keepalive on. Every failure is a
 * TransportError; `retryable` is false for host key, authentication and missing paths.
 */
export async function connectSftp(
  addr: SftpAddress,
  cfg: TransportConfig,
  secrets: Secrets,
  log: Logger,
  signal?: AbortSignal,
): Promise<SftpSession> {
  const creds = resolveSftpCredentials(addr, cfg, secrets);
  const policy = hostKeyPolicy(addr, cfg);
  const where = endpointOf(addr);
  signal?.throwIfAborted();

  const lostCtl = new AbortController();
  const lose = (reason: TransportError): void => {
    if (!lostCtl.signal.aborted) lostCtl.abort(reason);
  };
  // ssh2-sftp-client prints to the console by default; route its global events to the logger.
  const client = new SftpClient('audience-pipe', {
    error: (err) => log.debug({ where, err: errText(err) }, 'sftp connection error'),
    end: () => log.debug({ where }, 'sftp connection ended by the server'),
    close: () => log.debug({ where }, 'sftp connection closed'),
  });
  const ssh = (client as unknown as SftpClientInternals).client;
  let firstError: unknown;
  ssh.on('error', (err: unknown) => {
    firstError ??= err;
    lose(toSftpError(err, { where, op: 'connection' }));
  });
  const onGone = (): void => lose(new TransportError(SftpCode.Connection, `SFTP connection to ${where} was closed`, { retryable: true }));
  ssh.on('close', onGone);
  ssh.on('end', onGone);
  let cipher = 'unknown';
  ssh.on('handshake', (negotiated: { cs?: { cipher?: string } }) => {
    cipher = negotiated.cs?.cipher ?? cipher;
  });

  let verdict: HostKeyVerdict | undefined;
  const prefer = preferredHostKeyAlgorithms(policy, addr.host, addr.port).filter((a) => SUPPORTED_HOST_KEY_ALGOS.includes(a));
  const options: ConnectConfig = {
    host: addr.host,
    port: addr.port,
    username: addr.username,
    // The key goes to ssh2 already decrypted: no KDF per connection.
    authHandler: authSequence(addr.username, creds),
    tryKeyboard: false,
    readyTimeout: READY_TIMEOUT_MS,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    hostVerifier: (key: Buffer): boolean => {
      verdict = verifyHostKey(policy, addr.host, addr.port, key);
      return verdict.ok;
    },
    // @types/ssh2 wants all of append/prepend/remove; ssh2 accepts any one of them.
    ...(prefer.length > 0 ? { algorithms: { serverHostKey: { prepend: prefer } as unknown as Algorithms['serverHostKey'] } } : {}),
  };

  // Our own socket, so that Nagle is off from the first byte (each handshake round trip
  // otherwise waits 40 ms for a delayed ACK; in bulk, 16-21 MB/s instead of 240-300:
  // SERVERS.md §0) and so that writes can be corked (see `corked`). ssh2 waits for 'connect'
  // on a socket that is still connecting.
  const sock = new Socket();
  sock.setNoDelay(true);
  sock.connect({ host: addr.host, port: addr.port });
  options.sock = sock;
  const onAbort = (): void => {
    ssh.destroy();
    sock.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let sftp: SFTPWrapper;
  try {
    sftp = await client.connect(options);
  } catch (err) {
    ssh.destroy();
    sock.destroy();
    if (verdict !== undefined && !verdict.ok) {
      const expected = verdict.expected.length > 0 ? verdict.expected.join(', ') : 'none';
      throw new TransportError(
        SftpCode.HostKey,
        `host key of ${where} ${verdict.reason}: offered ${verdict.offered}, expected ${expected}`,
        { retryable: false },
      );
    }
    signal?.throwIfAborted();
    // ssh2-sftp-client rewraps errors and drops ssh2's `level`; classify the original one.
    throw toSftpError(firstError ?? err, { where, op: 'connect' });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  const fingerprint = verdict?.offered ?? 'unknown';
  if (policy.kind === 'any') {
    log.warn({ where, hostKey: fingerprint }, 'SFTP host key NOT verified (--sftp-insecure-accept-any-host-key): anyone on the network path can intercept this transfer');
  }
  // ssh2 writes each SSH packet as three socket writes (length, ciphertext, MAC); data held
  // back by the channel window is flushed from ssh2's 'data' handler. Corking the socket
  // for that handler turns a burst of packets into one writev instead of hundreds of
  // syscalls and segments.
  sock.prependListener('data', () => {
    if (sock.writableCorked === 0) {
      sock.cork();
      process.nextTick(() => sock.uncork());
    }
  });
  sftp.on('error', (err: unknown) => lose(toSftpError(err, { where, op: 'sftp channel' })));
  sftp.on('close', onGone);
  sftp.on('end', onGone);
  log.info({ where, hostKey: fingerprint, auth: creds.method, cipher, nativeCrypto: SSH2_NATIVE_CRYPTO }, 'sftp connected');

  const limits = sftp as unknown as SftpLimits;
  let ended: Promise<void> | undefined;
  const session: SftpSession = {
    where,
    sftp,
    fingerprint,
    cipher,
    nativeCrypto: SSH2_NATIVE_CRYPTO,
    maxWriteLen: positive(limits._maxWriteLen, 32 * 1024),
    maxReadLen: positive(limits._maxReadLen, 32 * 1024),
    lost: lostCtl.signal,
    call<T>(op: string, path: string | undefined, fn: (cb: SftpCallback<T>) => void): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const lost = lostCtl.signal;
        if (lost.aborted) {
          reject(lost.reason);
          return;
        }
        const onLost = (): void => reject(lost.reason);
        lost.addEventListener('abort', onLost, { once: true });
        const done: SftpCallback<T> = (err, value) => {
          lost.removeEventListener('abort', onLost);
          if (err) reject(toSftpError(err, { where, op, path }));
          else resolve(value as T);
        };
        try {
          fn(done);
        } catch (err) {
          done(err as Error);
        }
      });
    },
    corked<T>(fn: () => T): T {
      sock.cork();
      try {
        return fn();
      } finally {
        sock.uncork();
      }
    },
    end(): Promise<void> {
      ended ??= (async () => {
        lose(new TransportError(SftpCode.Connection, `SFTP connection to ${where} was ended`, { retryable: true }));
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            client.end().catch(() => undefined),
            new Promise((r) => { timer = setTimeout(r, END_TIMEOUT_MS); }),
          ]);
        } finally {
          clearTimeout(timer);
          ssh.destroy();
        }
      })();
      return ended;
    },
  };
  return session;
}

function positive(n: number | undefined, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : fallback;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

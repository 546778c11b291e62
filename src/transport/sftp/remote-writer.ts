import type { TransportError } from '../../errors/errors.js';
import type { SftpSession } from './connect.js';
import { toSftpError } from './errors.js';

/** Bytes of WRITE requests in flight at once: enough to keep loopback and WAN links busy. */
const DEFAULT_WINDOW_BYTES = 8 * 1024 * 1024;
/** Requests in flight at most, whatever their size: OpenSSH's own client keeps 64. */
const MAX_REQUESTS = 64;

/**
 * Writes one remote file with several WRITE requests in flight (ssh2's WriteStream keeps one,
 * and hangs on a dead connection: SERVERS.md §4). `write()` resolves once the bytes are on
 * their way and the window has room again, so a slow server slows the caller and memory stays
 * at about one window. Any failure, including a lost connection, rejects the pending and all
 * later calls with the same TransportError.
 */
export class RemoteFileWriter {
  readonly path: string;
  private readonly session: SftpSession;
  private readonly handle: Buffer;
  private readonly window: number;
  private readonly piece: number;
  private pos = 0;
  private inFlight = 0;
  private requests = 0;
  private failure: TransportError | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];
  private readonly onLost: () => void;

  private constructor(session: SftpSession, path: string, handle: Buffer, window: number) {
    this.session = session;
    this.path = path;
    this.handle = handle;
    this.window = Math.max(window, session.maxWriteLen);
    this.piece = session.maxWriteLen;
    this.onLost = () => this.fail(session.lost.reason as TransportError);
    session.lost.addEventListener('abort', this.onLost, { once: true });
  }

  /** Creates or truncates `path` (flags `w`, mode 0644). */
  static async open(session: SftpSession, path: string, window = DEFAULT_WINDOW_BYTES): Promise<RemoteFileWriter> {
    const handle = await session.call<Buffer>('open', path, (cb) => session.sftp.open(path, 'w', { mode: 0o644 }, cb));
    return new RemoteFileWriter(session, path, handle, window);
  }

  async write(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      if (this.failure !== undefined) throw this.failure;
      if (!this.hasRoom()) {
        await this.settled();
        continue;
      }
      off = this.session.corked(() => this.send(buf, off));
    }
  }

  /** Sends WRITE requests from `off` while the window has room; returns the new offset. */
  private send(buf: Buffer, off: number): number {
    while (off < buf.length && this.hasRoom() && this.failure === undefined) {
      const len = Math.min(this.piece, buf.length - off);
      const pos = this.pos;
      this.pos += len;
      this.inFlight += len;
      this.requests++;
      // sftp.write copies into its packet synchronously: `buf` is not retained.
      this.session.sftp.write(this.handle, buf, off, len, pos, (err) => {
        this.inFlight -= len;
        this.requests--;
        if (err) this.fail(toSftpError(err, { where: this.session.where, op: 'write', path: this.path }));
        this.wake();
      });
      off += len;
    }
    return off;
  }

  /** Waits for every WRITE to be confirmed, then closes the handle. Resolves to the byte count. */
  async finish(): Promise<number> {
    while (this.inFlight > 0 && this.failure === undefined) await this.settled();
    if (this.failure !== undefined) throw this.failure;
    this.closed = true;
    this.session.lost.removeEventListener('abort', this.onLost);
    await this.session.call('close', this.path, (cb) => this.session.sftp.close(this.handle, cb));
    return this.pos;
  }

  /** Stops the upload; later calls reject. Does not wait for the server. */
  destroy(reason: TransportError): void {
    this.fail(reason);
    if (!this.closed && !this.session.lost.aborted) {
      this.closed = true;
      try {
        this.session.sftp.close(this.handle, () => undefined);
      } catch {
        // The channel is already gone: nothing to close.
      }
    }
  }

  private hasRoom(): boolean {
    return this.inFlight < this.window && this.requests < MAX_REQUESTS;
  }

  private fail(err: TransportError): void {
    this.failure ??= err;
    this.session.lost.removeEventListener('abort', this.onLost);
    this.wake();
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}

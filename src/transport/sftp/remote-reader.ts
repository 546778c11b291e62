import { Readable } from 'node:stream';
import { TransportError } from '../../errors/errors.js';
import type { Logger } from '../../util/logger.js';
import type { SftpSession } from './connect.js';
import { Retry } from '../retry.js';
import { SFTP_BACKOFF_MS, SftpCode, toSftpError } from './errors.js';

/** READ requests in flight at once. */
const READS_IN_FLIGHT = 16;

/** An open remote file: the session it lives on and its handle. */
export interface OpenedFile {
  readonly session: SftpSession;
  readonly handle: Buffer;
  /** Size and mtime at open time: a resumed read refuses a file that changed in between. */
  readonly size: number;
  readonly mtime: number;
}

export interface RemoteReadOptions {
  readonly path: string;
  /** The file as first opened. */
  readonly first: OpenedFile;
  /** Opens the file again on a live (possibly new) connection, to resume after a failure. */
  readonly reopen: () => Promise<OpenedFile>;
  /** Resumes allowed after connection loss. */
  readonly retries: number;
  readonly log: Logger;
}

interface ReadReq {
  readonly gen: number;
  readonly offset: number;
  readonly len: number;
  done: boolean;
  err: unknown;
  data: Buffer | undefined;
}

/** Opens `path` for reading and records its size and mtime. */
export async function openRemoteFile(session: SftpSession, path: string): Promise<OpenedFile> {
  const handle = await session.call<Buffer>('open', path, (cb) => session.sftp.open(path, 'r', cb));
  const st = await session.call<{ size?: number; mtime?: number }>('stat', path, (cb) => session.sftp.fstat(handle, cb));
  return { session, handle, size: st.size ?? -1, mtime: st.mtime ?? -1 };
}

/**
 * A Readable over one remote file with several READ requests in flight, delivered in order.
 * It fails (or resumes at the byte it had, on a fresh connection) when the connection is lost,
 * instead of waiting forever as ssh2's ReadStream can. Memory: at most READS_IN_FLIGHT
 * requests plus the readable buffer.
 */
export class RemoteFileReader extends Readable {
  private readonly opts: RemoteReadOptions;
  private file: OpenedFile;
  private gen = 0;
  private nextOffset = 0;
  private delivered = 0;
  private queue: ReadReq[] = [];
  private wanting = false;
  private recovering = false;
  /** One budget for the whole file: resumes after a successful one still count. */
  private readonly retry: Retry;
  private finished = false;
  private handleOpen = true;
  private readonly onLost = (): void => this.failed(this.file.session.lost.reason);

  constructor(opts: RemoteReadOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.opts = opts;
    this.file = opts.first;
    this.retry = new Retry({
      retries: opts.retries,
      baseMs: SFTP_BACKOFF_MS,
      classify: (err) => err as TransportError,
      onRetry: (e, _attempt, wait) => opts.log.warn({ path: opts.path, at: this.delivered, code: e.code, err: e.message, retryInMs: wait }, 'sftp read failed; resuming on a new connection'),
    });
    this.watch();
  }

  /** Bytes delivered so far. */
  get bytesRead(): number {
    return this.delivered;
  }

  override _read(): void {
    this.wanting = true;
    this.fill();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.gen++;
    this.unwatch();
    this.closeHandle();
    cb(err);
  }

  private fill(): void {
    if (this.recovering || this.finished || this.destroyed) return;
    const { session, handle } = this.file;
    const piece = session.maxReadLen;
    if (!this.wanting || this.queue.length >= READS_IN_FLIGHT) return;
    session.corked(() => {
      while (this.queue.length < READS_IN_FLIGHT) {
        const req: ReadReq = { gen: this.gen, offset: this.nextOffset, len: piece, done: false, err: undefined, data: undefined };
        this.nextOffset += piece;
        this.send(req, session, handle);
      }
    });
  }

  private send(req: ReadReq, session: SftpSession, handle: Buffer, atHead = false): void {
    if (atHead) this.queue.unshift(req);
    else this.queue.push(req);
    try {
      session.sftp.read(handle, Buffer.allocUnsafe(req.len), 0, req.len, req.offset, (err, nb, data) => {
        if (req.gen !== this.gen) return;
        req.done = true;
        req.err = err;
        req.data = err ? undefined : data.subarray(0, nb);
        this.drain();
      });
    } catch (err) {
      // The channel is gone: ssh2 throws synchronously instead of calling back.
      req.done = true;
      req.err = err;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    while (this.queue.length > 0 && this.queue[0].done && !this.finished && !this.destroyed) {
      const req = this.queue.shift() as ReadReq;
      if (req.err) {
        this.failed(req.err);
        return;
      }
      const data = req.data as Buffer;
      if (data.length === 0) {
        // End of file (ssh2 reports SFTP EOF as zero bytes).
        this.finished = true;
        this.gen++;
        this.queue = [];
        this.unwatch();
        this.closeHandle();
        this.push(null);
        return;
      }
      this.delivered += data.length;
      if (data.length < req.len) {
        // A short read leaves a gap that must come before anything later.
        const gap: ReadReq = { gen: this.gen, offset: req.offset + data.length, len: req.len - data.length, done: false, err: undefined, data: undefined };
        this.send(gap, this.file.session, this.file.handle, true);
      }
      if (!this.push(data)) this.wanting = false;
    }
    this.fill();
  }

  private failed(cause: unknown): void {
    if (this.recovering || this.finished || this.destroyed) return;
    const { session } = this.file;
    const err = toSftpError(cause, { where: session.where, op: 'read', path: this.opts.path });
    this.gen++;
    this.queue = [];
    this.unwatch();
    this.closeHandle();
    this.recovering = true;
    void this.reopenAndContinue(err);
  }

  private async reopenAndContinue(err: TransportError): Promise<void> {
    let last = err;
    for (;;) {
      try {
        await this.retry.next(last);
      } catch (final) {
        this.destroy(final as Error);
        return;
      }
      if (this.destroyed) return;
      try {
        const file = await this.opts.reopen();
        if (this.destroyed) {
          void file.session.call('close', this.opts.path, (cb) => file.session.sftp.close(file.handle, cb)).catch(() => undefined);
          return;
        }
        if (file.mtime !== this.file.mtime || file.size !== this.file.size) {
          this.destroy(new TransportError(SftpCode.Failure, `${this.opts.path} changed on the server while it was being read (size ${this.file.size} -> ${file.size}); not resuming`, { retryable: false }));
          return;
        }
        this.file = file;
        this.handleOpen = true;
        this.nextOffset = this.delivered;
        this.recovering = false;
        this.watch();
        this.fill();
        return;
      } catch (e) {
        last = toSftpError(e, { where: this.file.session.where, op: 'reopen', path: this.opts.path });
      }
    }
  }

  private watch(): void {
    this.file.session.lost.addEventListener('abort', this.onLost, { once: true });
  }

  private unwatch(): void {
    this.file.session.lost.removeEventListener('abort', this.onLost);
  }

  private closeHandle(): void {
    const { session, handle } = this.file;
    if (!this.handleOpen || session.lost.aborted) return;
    this.handleOpen = false;
    try {
      session.sftp.close(handle, () => undefined);
    } catch {
      // Already gone.
    }
  }
}

/**
 * A Writable over a file descriptor whose write errors name the output (`--out: cannot write
 * /data/out.csv: ENOSPC: no space left on device`) instead of surfacing as a bare errno, and
 * whose write callback fires once the bytes are with the OS, so the chunk may be reused.
 */
import { close, write, writev } from 'node:fs';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { RunError } from '../errors/errors.js';

export class FdWritable extends Writable {
  private fd: number | undefined;
  /** A write in flight: the descriptor is closed only after it, never under it. */
  private writing = false;
  private afterWrite: (() => void) | undefined;

  constructor(
    fd: number,
    private readonly describe: (err: NodeJS.ErrnoException) => Error,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.fd = fd;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeAll([chunk], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk), cb);
  }

  /** Pipes and devices may take part of a write: the rest is written until none is left. */
  private writeAll(buffers: Buffer[], cb: (err?: Error | null) => void): void {
    const fd = this.fd;
    if (fd === undefined) return cb(new RunError('ERR_OUTPUT', 'output closed'));
    this.writing = true;
    const done = (err: NodeJS.ErrnoException | null, written: number): void => {
      this.writing = false;
      if (this.afterWrite) {
        const next = this.afterWrite;
        this.afterWrite = undefined;
        next();
        return cb(err ? this.describe(err) : new RunError('ERR_OUTPUT', 'output closed'));
      }
      if (err) return cb(this.describe(err));
      let left = written;
      while (buffers.length > 0 && left >= buffers[0].length) left -= buffers.shift()!.length;
      if (buffers.length === 0) return cb();
      buffers[0] = buffers[0].subarray(left);
      this.writeAll(buffers, cb);
    };
    if (buffers.length === 1) write(fd, buffers[0], 0, buffers[0].length, null, done);
    else writev(fd, buffers, null, done);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.closeFd((err) => cb(err ? this.describe(err) : null));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.writing) this.afterWrite = () => this.closeFd(() => {});
    else this.closeFd(() => {});
    cb(err);
  }

  private closeFd(cb: (err: NodeJS.ErrnoException | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return cb(null);
    close(fd, cb);
  }
}

/**
 * An inherited descriptor that is a socket (what Node's `spawn` gives a child for 'pipe') cannot
 * be opened again through /proc/self/fd/N: it is written through a net.Socket, which handles
 * its non-blocking mode; errors name the output as above.
 */
export function socketWritable(fd: number, describe: (err: NodeJS.ErrnoException) => Error): Writable {
  const socket = new Socket({ fd, readable: false, writable: true });
  const out = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, (err) => cb(err ? describe(err) : null));
    },
    final(cb) {
      socket.end(() => cb());
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on('error', (err: NodeJS.ErrnoException) => out.destroy(describe(err)));
  return out;
}

import { Writable } from 'node:stream';
import { RunError, TransportError } from '../../errors/errors.js';
import type { SpoolFile } from '../spool-file.js';
import type { RemoteFileWriter } from './remote-writer.js';
import { SftpCode, toSftpError } from './errors.js';

/** Writable buffer of the tee: small, so backpressure reaches the producer quickly. */
const HIGH_WATER_MARK = 1024 * 1024;

export interface SpoolTeeOptions {
  readonly spool: SpoolFile;
  /** The live upload, or undefined when it could not start (the spool alone is then written). */
  readonly live: RemoteFileWriter | undefined;
  readonly where: string;
  /**
   * Called once when the live upload fails with a retryable error: the output continues into
   * the spool alone and the sink uploads the spool afterwards.
   */
  readonly onLiveFailed: (err: TransportError) => void;
}

/**
 * The sink's Writable: each batch goes to the local spool file and to the live SFTP upload at
 * the same time, and is acknowledged when both have taken it. The upload window and the disk
 * both push back, so a slow server slows the producer and memory stays bounded. A retryable
 * upload failure detaches the upload (the spool keeps everything for a retry); a
 * non-retryable one fails the stream.
 */
export class SpoolTee extends Writable {
  private readonly opts: SpoolTeeOptions;
  private live: RemoteFileWriter | undefined;
  private written = 0;
  /** The live upload delivered every byte and closed its handle. */
  liveComplete = false;

  constructor(opts: SpoolTeeOptions) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.opts = opts;
    this.live = opts.live;
  }

  /** Bytes accepted so far (= the spool's size once finished). */
  get bytes(): number {
    return this.written;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send([chunk]).then(() => cb(), cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    // No concatenation: the spool copies the chunks in, and the upload takes them one by one.
    this.send(chunks.map((c) => c.chunk)).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    (async () => {
      await this.opts.spool.finish();
      const live = this.live;
      if (live !== undefined) {
        try {
          await live.finish();
          this.liveComplete = true;
        } catch (err) {
          this.detach(err);
        }
      }
    })().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.live?.destroy(err ? toSftpError(err, { where: this.opts.where, op: 'upload' }) : new TransportError(SftpCode.Connection, `SFTP upload on ${this.opts.where} failed: output stream destroyed`, { retryable: true }));
    this.live = undefined;
    // A no-op when the spool was finished (or already discarded).
    this.opts.spool.discard().then(() => cb(err), () => cb(err));
  }

  private async send(bufs: Buffer[]): Promise<void> {
    for (const b of bufs) {
      if (!Buffer.isBuffer(b)) throw new RunError('ERR_INTERNAL', 'the SFTP sink accepts Buffers only');
      this.written += b.length;
    }
    const live = this.live;
    const upload = live === undefined ? undefined : uploadAll(live, bufs).catch((err: unknown) => this.detach(err));
    await Promise.all([this.opts.spool.append(bufs), upload]);
  }

  /** Drops the live upload after a retryable failure; rethrows a non-retryable one. */
  private detach(err: unknown): void {
    const e = toSftpError(err, { where: this.opts.where, op: 'upload' });
    const live = this.live;
    this.live = undefined;
    live?.destroy(e);
    if (!e.retryable) throw e;
    if (live !== undefined) this.opts.onLiveFailed(e);
  }
}

async function uploadAll(live: RemoteFileWriter, bufs: Buffer[]): Promise<void> {
  for (const b of bufs) await live.write(b);
}

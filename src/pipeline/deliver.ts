/**
 * The last step of the output: writes each merged chunk to the sink with backpressure, counts
 * the bytes that reach it, and hands each chunk's buffer back for reuse once the sink is done
 * with it. Whether a sink is done with a chunk when its write callback fires is the sink's to
 * say (`Sink.releasesWrittenChunks`). (`.gz` outputs are compressed in the workers.)
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunError } from '../errors/errors.js';
import type { Sink } from '../outputs/sink.js';
import type { Delivered } from './reject-limit.js';

export interface DeliverOptions {
  /** The sink's writable. */
  readonly writable: Writable;
  /** True when the writable's write callback means it holds no reference to the chunk. */
  readonly writableReleases: boolean;
  readonly release: (chunk: Buffer) => void;
  readonly onBytesOut: (n: number) => void;
  readonly signal: AbortSignal;
}

/** Runs `output` into the sink; resolves when the sink has finished. */
export async function deliver(output: () => AsyncIterable<Buffer>, options: DeliverOptions): Promise<void> {
  const { writable, signal } = options;
  const forward = forwarder(writable, options.writableReleases ? options.release : undefined, options.onBytesOut);
  try {
    await pipeline(output, forward, { signal });
  } catch (err) {
    writable.destroy();
    throw err;
  }
}

/** A Writable that writes into `dest`, releasing each chunk when `dest` calls back for it. */
function forwarder(dest: Writable, release: ((chunk: Buffer) => void) | undefined, count: (n: number) => void): Writable {
  let failure: Error | undefined;
  const onError = (err: Error): void => {
    failure ??= err;
  };
  dest.on('error', onError);
  return new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _enc, cb) {
      if (failure) return cb(failure);
      if (dest.destroyed) return cb(new RunError('ERR_OUTPUT', 'output closed'));
      count(chunk.length);
      const ok = dest.write(chunk, (err) => {
        if (err) failure ??= err;
        else release?.(chunk);
      });
      if (ok) cb();
      else {
        const done = (): void => {
          dest.off('drain', done);
          dest.off('close', done);
          cb(failure ?? (dest.destroyed && !dest.writableFinished ? new RunError('ERR_OUTPUT', 'output closed') : undefined));
        };
        dest.on('drain', done);
        dest.on('close', done);
      }
    },
    final(cb) {
      if (dest.destroyed) return cb(failure ?? (dest.writableFinished ? undefined : new RunError('ERR_OUTPUT', 'output closed before it finished')));
      dest.end();
      const done = (err?: Error): void => {
        dest.off('finish', onFinish);
        dest.off('error', done);
        dest.off('close', onClose);
        cb(err ?? failure);
      };
      const onFinish = (): void => done();
      const onClose = (): void => done(dest.writableFinished ? undefined : failure ?? new RunError('ERR_OUTPUT', 'output closed before it finished'));
      dest.on('finish', onFinish);
      dest.on('error', done);
      dest.on('close', onClose);
    },
    destroy(err, cb) {
      // The sink is torn down (without re-raising the error on it: the run already has it);
      // `onError` stays attached so a late error from the sink can never go unhandled.
      if (err && !dest.destroyed) dest.destroy();
      cb(err);
    },
  });
}

/**
 * What a sink that cannot take bytes back (stdout, a FIFO) has given its reader, for the
 * `--max-rejects` message. Such a sink may still hold chunks it was handed but has not written:
 * they are lost when the run stops, so the figures wait until it has written them (bytes are
 * counted as handed over; before this the message could say a chunk more than the reader got).
 */
export class DirectFigures {
  /** Records of the output chunks handed to the sink. */
  records = 0;

  constructor(
    private readonly sink: Sink,
    private readonly writable: Writable,
    private readonly bytesOut: () => number,
  ) {}

  async figures(): Promise<Delivered | undefined> {
    if (!this.sink.direct) return undefined;
    while (this.writable.writableLength > 0 && !this.writable.destroyed) await sleep(1);
    return { records: this.records, bytes: this.bytesOut(), output: this.sink.description };
  }
}

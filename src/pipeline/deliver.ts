/**
 * The last step of the output: writes each merged chunk to the sink (through gzip for `.gz`)
 * with backpressure, counts the bytes that reach the sink, and hands each chunk's buffer back
 * for reuse once the next stage is done with it. Whether a sink is done with a chunk when its
 * write callback fires is the sink's to say (`Sink.releasesWrittenChunks`); zlib always is.
 */
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface DeliverOptions {
  readonly gzip: boolean;
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
  if (!options.gzip) {
    const forward = forwarder(writable, options.writableReleases ? options.release : undefined, options.onBytesOut);
    await settleBoth(pipeline(output, forward, { signal }), undefined, writable);
    return;
  }
  const gzip = createGzip({ level: 6 });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      options.onBytesOut(chunk.length);
      cb(null, chunk);
    },
  });
  const tail = pipeline(gzip, counter, writable, { signal });
  const head = pipeline(output, forwarder(gzip, options.release, () => {}), { signal });
  await settleBoth(head, tail, gzip);
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
      if (dest.destroyed) return cb(new Error('output closed'));
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
          cb(failure ?? (dest.destroyed && !dest.writableFinished ? new Error('output closed') : undefined));
        };
        dest.on('drain', done);
        dest.on('close', done);
      }
    },
    final(cb) {
      if (dest.destroyed) return cb(failure ?? (dest.writableFinished ? undefined : new Error('output closed before it finished')));
      dest.end();
      const done = (err?: Error): void => {
        dest.off('finish', onFinish);
        dest.off('error', done);
        dest.off('close', onClose);
        cb(err ?? failure);
      };
      const onFinish = (): void => done();
      const onClose = (): void => done(dest.writableFinished ? undefined : failure ?? new Error('output closed before it finished'));
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

/** Waits for both halves; the first failure wins, and neither rejection goes unhandled. */
async function settleBoth(head: Promise<void>, tail: Promise<void> | undefined, dest: Writable): Promise<void> {
  const results = await Promise.allSettled([head, tail ?? Promise.resolve()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    dest.destroy();
    throw failed.reason;
  }
}

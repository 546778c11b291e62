/**
 * Local output: stdout, or a file written under a temporary name in the target's directory and
 * renamed over the final name only once complete, so a failed run leaves no output file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { RunError } from '../errors.js';
import type { Sink } from './sink.js';

export function createFileSink(path: string): Sink {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  let stream: WriteStream | undefined;
  return {
    description: path,
    // fs.WriteStream calls back once the bytes are written to the file.
    releasesWrittenChunks: true,
    async open() {
      stream = createWriteStream(temp, { flags: 'wx', highWaterMark: 1 << 20 });
      await new Promise<void>((resolve, reject) => {
        stream!.once('open', () => resolve());
        stream!.once('error', (err) => reject(new RunError('ERR_OUTPUT', `--out: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err)));
      });
      return stream;
    },
    async commit() {
      await rename(temp, path).catch((err: NodeJS.ErrnoException) => {
        throw new RunError('ERR_OUTPUT', `--out: cannot rename the finished output to ${path}: ${err.code ?? String(err)}`, err);
      });
    },
    async abort() {
      stream?.destroy();
      await rm(temp, { force: true }).catch(() => {});
    },
  };
}

/**
 * stdout, never ended by the pipeline (stdout outlives the run). A closed reader (`| head`)
 * surfaces as EPIPE, which the run reports as `cut-short`.
 */
export function createStdoutSink(): Sink {
  const out = process.stdout;
  const writable = new Writable({
    highWaterMark: 1 << 20,
    // Called back once stdout has handed the chunk to the OS: only then may it be reused.
    write(chunk: Buffer, _enc, cb) {
      out.write(chunk, (err) => cb(err ?? null));
    },
  });
  const onStdoutError = (err: Error): void => {
    writable.destroy(err);
  };
  return {
    description: 'stdout',
    direct: true,
    // The write callback fires once stdout has flushed the chunk.
    releasesWrittenChunks: true,
    async open() {
      out.on('error', onStdoutError);
      return writable;
    },
    async commit() {
      out.off('error', onStdoutError);
    },
    async abort() {
      out.off('error', onStdoutError);
    },
  };
}

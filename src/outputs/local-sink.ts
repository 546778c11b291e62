/**
 * Local output: stdout, or a path (src/outputs/target-writer.ts): a regular file is written
 * under a temporary name beside it and renamed over it only once complete, so a failed run
 * leaves no output file; a FIFO, a device or `/dev/fd/N` is written directly; a directory takes
 * the input's file name or `--name`.
 */
import { Writable } from 'node:stream';
import { isClosedPipe } from '../errors/classify.js';
import { RunError } from '../errors/errors.js';
import { errnoText, resolveTarget } from './resolve-target.js';
import { openTarget, type TargetWriter } from './target-writer.js';
import { gzipByName, type Sink } from './sink.js';

export interface FileSinkOptions {
  /** `--name`, for a directory output. */
  readonly name?: string;
  /** The input's file name, for a directory output without `--name`. */
  readonly inputName?: string;
}

export async function createFileSink(path: string, options: FileSinkOptions = {}): Promise<Sink> {
  const target = await resolveTarget(path, 'out', { ...options, allowDirectory: true });
  let writer: TargetWriter | undefined;
  return {
    description: target.path,
    gzip: gzipByName(target.path),
    releasesWrittenChunks: true,
    // A FIFO, a device or a descriptor has its bytes as they are written: nothing to take back.
    direct: target.kind !== 'file',
    async open() {
      writer = await openTarget(target, 'out', { code: 'ERR_OUTPUT', lock: true });
      return writer.writable;
    },
    async commit() {
      await writer!.commit();
    },
    async abort() {
      await writer?.abort();
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
      out.write(chunk, (err) => cb(err ? stdoutError(err) : null));
    },
  });
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    writable.destroy(stdoutError(err));
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

/** A closed reader (EPIPE) stays as it is: the run reads it as `cut-short`. */
function stdoutError(err: NodeJS.ErrnoException): Error {
  return isClosedPipe(err) ? err : new RunError('ERR_OUTPUT', `stdout: cannot write: ${errnoText(err)}`, err);
}

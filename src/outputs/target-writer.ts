/**
 * Writes one local output (`--out`, `--rejects`, `--report`) to what its path names. A regular
 * file is written under a temporary name beside it and renamed over it on commit, so a failed or
 * interrupted run leaves nothing under the final name; FIFOs, devices and open descriptors are
 * written directly (renaming over them would replace the special file). Before a file is
 * written, the `.part` files of this host's killed runs in its directory are removed.
 */
import { constants, open as openCallback } from 'node:fs';
import { rename } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { isClosedPipe } from '../errors/classify.js';
import { RunError, type RunErrorCode } from '../errors/errors.js';
import { FdWritable, socketWritable } from './fd-writable.js';
import { acquireOutputLock, type OutputLock } from './output-lock.js';
import { errnoText, resolveTarget, type Target } from './resolve-target.js';
import { removeStaleTemps, removeTracked, tempPathFor, track, untrack } from './temp-files.js';

// A plain descriptor, not a FileHandle: the writable owns it and closes it itself.
const open = promisify(openCallback);

export interface TargetWriter {
  readonly writable: Writable;
  /** Ends the writable if it is not ended, waits for the bytes, publishes a regular file. */
  commit(): Promise<void>;
  /** Stops writing and removes the temporary file. Never throws. */
  abort(): Promise<void>;
}

export interface OpenOptions {
  /** `--out`: a lock file keeps a second run from writing the same file at once. */
  readonly lock?: boolean;
  /** The stable code of this output's write errors (`ERR_OUTPUT`, `ERR_REJECTS`, ...). */
  readonly code: RunErrorCode;
}

export async function openTarget(target: Target, option: string, options: OpenOptions): Promise<TargetWriter> {
  if (target.kind === 'dir') throw new RunError(options.code, `--${option}: ${target.path} is a directory and the input has no file name: give --name`);
  const failure = (what: string) => (err: NodeJS.ErrnoException): Error =>
    isClosedPipe(err) ? err : new RunError(options.code, `--${option}: cannot ${what} ${target.path}: ${errnoText(err)}`, err);
  if (target.kind !== 'file') {
    // No O_CREAT: a FIFO removed meanwhile must not come back as a regular file.
    const flags = constants.O_WRONLY | (target.kind === 'fd' ? constants.O_APPEND : 0);
    let writable: Writable;
    try {
      writable = new FdWritable(await open(target.path, flags), failure('write'));
    } catch (err) {
      if (target.kind !== 'fd' || (err as NodeJS.ErrnoException).code !== 'ENXIO') throw failure('open')(err as NodeJS.ErrnoException);
      writable = socketWritable(target.fd, failure('write'));
    }
    return { writable, commit: () => endAndWait(writable), abort: async () => void writable.destroy() };
  }

  await removeStaleTemps(dirname(target.path));
  let lock: OutputLock | undefined;
  if (options.lock) lock = await acquireOutputLock(target.path, option);
  const temp = tempPathFor(target.path);
  track(temp);
  let writable: FdWritable;
  try {
    writable = new FdWritable(await open(temp, 'wx', 0o666), failure('write'));
  } catch (err) {
    await removeTracked(temp);
    await lock?.release();
    throw err instanceof RunError ? err : failure('write')(err as NodeJS.ErrnoException);
  }
  return {
    writable,
    async commit() {
      try {
        await endAndWait(writable);
        await rename(temp, target.path).catch((err: NodeJS.ErrnoException) => {
          throw failure('rename the finished output to')(err);
        });
        untrack(temp);
      } finally {
        await lock?.release();
      }
    },
    async abort() {
      writable.destroy();
      await removeTracked(temp);
      await lock?.release();
    },
  };
}

/** Ends `writable` unless it is ended already and waits until every byte is written. */
export async function endAndWait(writable: Writable): Promise<void> {
  if (!writable.writableEnded) writable.end();
  await finished(writable);
}

/** Writes a whole small file (the report) to `spec`, the way outputs are written. */
export async function writeTargetFile(spec: string, option: string, data: string, code: RunErrorCode): Promise<void> {
  // Written at the end of the run: a path that went bad meanwhile is a run failure, not usage.
  const target = await resolveTarget(spec, option).catch((err: Error) => {
    throw new RunError(code, err.message, err);
  });
  const writer = await openTarget(target, option, { code });
  try {
    writer.writable.on('error', () => {});
    writer.writable.write(data);
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

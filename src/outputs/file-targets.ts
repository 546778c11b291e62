/**
 * Where a routed run's files go (src/outputs/output-files.ts writes them): a local directory, a
 * remote one (src/outputs/sftp-sink.ts, src/outputs/azure-blob-files.ts), or one direct output
 * (stdout, a FIFO). Each file is a FileSink written under a temporary name and told its final
 * name only before it is published.
 */
import { constants, open as openCallback } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { ConfigError, RunError } from '../errors/errors.js';
import { FdWritable } from './fd-writable.js';
import { acquireOutputLock, type OutputLock } from './output-lock.js';
import { errnoText } from './resolve-target.js';
import type { Sink } from './sink.js';
import { endAndWait } from './target-writer.js';
import { removeStaleTemps, removeTracked, tempPathFor, track, untrack } from './temp-files.js';

const open = promisify(openCallback);

/** A sink written under a temporary name, told its final name before `prepare()`/`commit()`. */
export interface FileSink extends Sink {
  /** The plain file name the output is published under. Set once, before prepare/commit. */
  setName(name: string): void;
  /**
   * For sinks whose prepare() needs no final name: called (after prepare) once the file is
   * complete, before the run ends; the sink may free what it holds until commit() (SFTP: its
   * connection).
   */
  suspend?(): Promise<void>;
}

/** Where a routed run's files go: a local directory, a remote directory, or one direct output. */
export interface FileTarget {
  readonly description: string;
  /**
   * At most one file (stdout, a FIFO): splits and partitions are refused before any output.
   * Its file's name is the one it was opened under (setName is ignored).
   */
  readonly single?: boolean;
  /** Its bytes reach the reader as written (stdout, a FIFO): a failed run cannot take them back. */
  readonly direct?: boolean;
  /** A new file under a temporary name. */
  create(): Promise<FileSink>;
  /** Shown as `where/name` for a final file name. */
  describe(name: string): string;
}

/** Plain file names only: the naming may not climb out of the output directory. */
export function checkPlainName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new ConfigError(`output name "${name}" is not a plain file name`, 'name', undefined, 'ERR_TARGET');
  }
  return name;
}

/** Files in a local directory: `.routed-<n>.<host>.<pid>.<random>.part` beside their final names, renamed at commit. */
export function localFileTarget(dir: string): FileTarget {
  let cleaned = false;
  let n = 0;
  return {
    description: dir,
    describe: (name) => join(dir, name),
    async create() {
      if (!cleaned) {
        cleaned = true;
        await removeStaleTemps(dir);
      }
      return localFileSink(dir, ++n);
    },
  };
}

async function localFileSink(dir: string, n: number): Promise<FileSink> {
  const temp = tempPathFor(join(dir, `routed-${n}`));
  let finalPath: string | undefined;
  let writable: FdWritable | undefined;
  let lock: OutputLock | undefined;
  const fail = (what: string, path: string) => (err: NodeJS.ErrnoException): Error => new RunError('ERR_OUTPUT', `--out: cannot ${what} ${path}: ${errnoText(err)}`, err);
  return {
    get description() {
      return finalPath ?? temp;
    },
    releasesWrittenChunks: true,
    setName(name) {
      finalPath = join(dir, checkPlainName(name));
    },
    async open() {
      track(temp);
      try {
        writable = new FdWritable(await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666), fail('write', temp));
      } catch (err) {
        await removeTracked(temp);
        throw fail('create', temp)(err as NodeJS.ErrnoException);
      }
      return writable;
    },
    async prepare() {
      await endAndWait(writable!);
      // Taken once the name is known: a second run writing the same file fails here, before any rename.
      lock ??= await acquireOutputLock(finalPath!, 'out');
    },
    async commit() {
      try {
        await rename(temp, finalPath!).catch((err: NodeJS.ErrnoException) => {
          throw fail('rename the finished output to', finalPath!)(err);
        });
        untrack(temp);
      } finally {
        await lock?.release();
        lock = undefined;
      }
    },
    async abort() {
      writable?.destroy();
      await removeTracked(temp);
      await lock?.release();
      lock = undefined;
    },
  };
}

/** One output that takes its bytes directly (stdout, a FIFO, or the single named file of a run without splits or partitions). */
export function singleFileTarget(sink: Sink): FileTarget {
  let used = false;
  return {
    description: sink.description,
    single: true,
    direct: sink.direct === true,
    describe: () => sink.description,
    async create() {
      if (used) throw new RunError('ERR_INTERNAL', `${sink.description} takes one output file only`);
      used = true;
      const file: FileSink = {
        get description() {
          return sink.description;
        },
        releasesWrittenChunks: sink.releasesWrittenChunks,
        direct: sink.direct,
        setName: () => {},
        open: (signal) => sink.open(signal),
        ...(sink.prepare ? { prepare: () => sink.prepare!() } : {}),
        commit: () => sink.commit(),
        abort: (reason) => sink.abort(reason),
      };
      return file;
    },
  };
}

/** Writes nowhere (the dry run): every byte is counted and dropped. */
export function discardFileTarget(description: string): FileTarget {
  return {
    description,
    describe: (name) => `${description} (${name}, not written)`,
    async create() {
      return {
        description,
        releasesWrittenChunks: true,
        setName: () => {},
        open: async () => new Writable({ write: (_c, _e, cb) => cb() }),
        commit: async () => {},
        abort: async () => {},
      };
    },
  };
}

/** Where a routed run's files go and the file name `--out` itself gives (its last segment, when it names a file). */
export interface RoutedOutput {
  readonly target: FileTarget;
  readonly name?: string;
}

/**
 * A local `--out` for a routed run: a directory (a path ending in `/` or an existing directory)
 * takes the files by the run's naming; a file path puts them beside it, the path's name being
 * the first part's; a FIFO, device or descriptor takes one file as it is.
 */
export async function localRoutedOutput(spec: string, directSink: () => Promise<Sink>): Promise<RoutedOutput> {
  const path = resolve(spec);
  const st = await stat(path).catch(() => undefined);
  if (spec.endsWith('/') || st?.isDirectory()) return { target: localFileTarget(path) };
  if (st !== undefined && !st.isFile()) return { target: singleFileTarget(await directSink()) };
  return { target: localFileTarget(dirname(path)), name: basename(path) };
}

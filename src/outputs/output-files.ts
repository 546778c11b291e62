/**
 * The files of a routed run (splits, partitions, dedup, AAM inbound): each one an OutputPart of
 * the run's OutputSet, written under a temporary name while the run lasts and given its final
 * name only at the end, once the run knows how many parts each partition has (AAM's "no part
 * number when there is one part"). Nothing is renamed before every part is complete, so a
 * failed run publishes none of them.
 *
 * Per-file gzip runs off the main JS thread: each piece is compressed by node:zlib's async
 * `gzip` (libuv's thread pool, a few pieces at once) into a gzip member of its own, and the
 * members are written in order (concatenated members are one valid gzip file). Small pieces
 * are gathered first, so a member is never a handful of bytes. The file's size and MD5 are of
 * the bytes as stored (compressed when gzip).
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, open as openCallback } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ConfigError, RunError } from '../errors/errors.js';
import { FdWritable } from './fd-writable.js';
import { acquireOutputLock, type OutputLock } from './output-lock.js';
import type { OutputPart } from './output-set.js';
import { errnoText } from './resolve-target.js';
import type { Sink } from './sink.js';
import { endAndWait } from './target-writer.js';
import { removeStaleTemps, removeTracked, tempPathFor, track, untrack } from './temp-files.js';

const open = promisify(openCallback);
const gzipAsync = promisify(gzipCallback);

/** A sink written under a temporary name, told its final name before `prepare()`/`commit()`. */
export interface FileSink extends Sink {
  /** The plain file name the output is published under. Set once, before prepare/commit. */
  setName(name: string): void;
}

/** Where a routed run's files go: a local directory, a remote directory, or one direct output. */
export interface FileTarget {
  readonly description: string;
  /**
   * At most one file (stdout, a FIFO): splits and partitions are refused before any output.
   * Its file's name is the one it was opened under (setName is ignored).
   */
  readonly single?: boolean;
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
      const { Writable } = await import('node:stream');
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

/** A piece smaller than this is copied into the file's gather buffer rather than written (or compressed) alone. */
const SMALL_PIECE = 64 * 1024;
const GATHER_BYTES = 256 * 1024;
/** Gzip members being compressed at once per file: bounds the memory they hold. */
const GZIP_IN_FLIGHT = 3;
const GZIP_LEVEL = 6;
const DONE: Promise<void> = Promise.resolve();

export interface OutputFileInfo {
  readonly name: string;
  readonly partition?: string;
  readonly part: number;
  readonly records: number;
  /** The file as stored (compressed when gzip). */
  readonly bytes: number;
  readonly md5: string;
  /** Bytes before compression: what a byte split limits. */
  readonly rawBytes: number;
  /** Lines of the uncompressed content as a .info counts them (only when counted). */
  readonly lines?: number;
}

/** Counts the lines of a file's uncompressed content (src/batch/info.ts's LineCounter). */
export interface LineCount {
  add(piece: Uint8Array): void;
  readonly lines: number;
}

/** One output file: ordered writes, optional gzip, size and MD5 as stored; published by the OutputSet. */
export class OutputFile implements OutputPart {
  /** Records written, counted by the router. */
  records = 0;
  /** Bytes written before compression. */
  rawBytes = 0;
  /** Bytes as stored. */
  bytes = 0;
  private readonly md5: Hash = createHash('md5');
  private digest: string | undefined;
  private writable: Writable | undefined;
  private failure: Error | undefined;
  private gather: Buffer | undefined;
  private gathered = 0;
  private readonly compressing: Promise<Buffer>[] = [];
  private ended = false;
  private finalName: string | undefined;

  constructor(
    private readonly sink: FileSink,
    private readonly gzip: boolean,
    readonly partition: string | undefined,
    readonly part: number,
    private readonly lineCount?: LineCount,
  ) {}

  get name(): string {
    return this.sink.description;
  }

  async open(signal: AbortSignal): Promise<void> {
    this.writable = await this.sink.open(signal);
    this.writable.on('error', (err) => (this.failure ??= err));
  }

  /**
   * Appends `piece`; resolves when the file can take more (backpressure). `held` is then when
   * the piece's memory is free: at once for a small piece (copied), once written or compressed
   * for a large one (64 KiB or more), which is referenced until then.
   */
  async write(piece: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.rawBytes += piece.length;
    this.lineCount?.add(piece);
    if (piece.length < SMALL_PIECE) {
      this.held = DONE;
      if (this.gathered + piece.length > GATHER_BYTES) await this.flushGathered();
      this.gather ??= Buffer.allocUnsafe(GATHER_BYTES);
      piece.copy(this.gather, this.gathered);
      this.gathered += piece.length;
      if (this.gathered >= GATHER_BYTES - 1024) await this.flushGathered();
      return;
    }
    await this.flushGathered();
    await this.emit(piece);
  }

  /** When the last piece given to write() is no longer referenced. */
  held: Promise<void> = DONE;

  private async flushGathered(): Promise<void> {
    if (this.gather === undefined || this.gathered === 0) return;
    const full = this.gather.subarray(0, this.gathered);
    this.gather = undefined;
    this.gathered = 0;
    await this.emit(full);
  }

  private async emit(piece: Buffer): Promise<void> {
    if (!this.gzip) {
      const { accepted, written } = this.store(piece);
      this.held = written;
      return accepted;
    }
    const member = gzipAsync(piece, { level: GZIP_LEVEL });
    // Failures are taken when the member's turn comes; until then they must not go unhandled.
    member.catch(() => {});
    this.held = member.then(
      () => {},
      () => {},
    );
    this.compressing.push(member);
    if (this.compressing.length >= GZIP_IN_FLIGHT) await this.store(await this.compressing.shift()!).accepted;
  }

  /**
   * Writes stored bytes in order. `accepted` resolves when the writable can take more,
   * `written` once it holds no reference to `data` (its write callback: every FileSink's
   * writable calls back once the bytes are handed on).
   */
  private store(data: Buffer): { accepted: Promise<void>; written: Promise<void> } {
    if (this.failure) return { accepted: Promise.reject(this.failure), written: DONE };
    this.md5.update(data);
    this.bytes += data.length;
    const w = this.writable!;
    let done!: () => void;
    const written = new Promise<void>((resolve) => (done = resolve));
    const ok = w.write(data, () => done());
    if (ok) return { accepted: DONE, written };
    const accepted = new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        w.off('drain', settle);
        w.off('close', settle);
        w.off('error', settle);
        if (this.failure) reject(this.failure);
        else if (w.destroyed) reject(new RunError('ERR_OUTPUT', `${this.name}: output closed`));
        else resolve();
      };
      w.on('drain', settle);
      w.on('close', settle);
      w.on('error', settle);
    });
    return { accepted, written };
  }

  /** Everything written and the writable finished: the file is complete under its temporary name. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.flushGathered();
    // An empty gzip file is not valid gzip: it gets one empty member.
    if (this.gzip && this.bytes === 0 && this.compressing.length === 0) await this.emit(Buffer.alloc(0));
    while (this.compressing.length > 0) await this.store(await this.compressing.shift()!).accepted;
    if (this.failure) throw this.failure;
    this.digest = this.md5.digest('hex');
    await endAndWait(this.writable!);
  }

  /** The final name, known once every part of the run is: given to the sink before it is published. */
  setName(name: string): void {
    this.finalName = name;
    this.sink.setName(name);
  }

  info(): OutputFileInfo {
    return {
      name: this.finalName ?? this.name,
      ...(this.partition === undefined ? {} : { partition: this.partition }),
      part: this.part,
      records: this.records,
      bytes: this.bytes,
      md5: this.digest ?? '',
      rawBytes: this.rawBytes,
      ...(this.lineCount ? { lines: this.lineCount.lines } : {}),
    };
  }

  async prepare(): Promise<void> {
    await this.end();
    await this.sink.prepare?.();
  }

  async publish(): Promise<void> {
    await this.sink.commit();
  }

  async abort(reason: unknown): Promise<void> {
    this.writable?.destroy();
    await this.sink.abort(reason);
  }
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

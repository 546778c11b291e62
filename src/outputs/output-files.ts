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
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { RunError } from '../errors/errors.js';
import type { FileSink } from './file-targets.js';
import type { OutputPart } from './output-set.js';
import { endAndWait } from './target-writer.js';

const gzipAsync = promisify(gzipCallback);

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
/** What a run has handed its files so far (the --max-rejects message of a direct output). */
export interface Tally {
  records: number;
  bytes: number;
}

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
  private prepared = false;

  constructor(
    private readonly sink: FileSink,
    private readonly gzip: boolean,
    readonly partition: string | undefined,
    readonly part: number,
    private readonly lineCount?: LineCount,
    /** Counts the bytes stored, as they are. */
    private readonly tally?: Tally,
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

  /** Hands what is gathered on now (a direct output streams chunk by chunk, as the plain path does). */
  flush(): Promise<void> {
    return this.flushGathered();
  }

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
    if (this.tally) this.tally.bytes += data.length;
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

  /**
   * A finished part, while the run goes on: complete it now, and with a sink that can (SFTP),
   * prepare it and let its connection go until the publish.
   */
  async settle(): Promise<void> {
    await this.end();
    if (this.sink.suspend === undefined) return;
    await this.prepare();
    await this.sink.suspend();
  }

  async prepare(): Promise<void> {
    await this.end();
    if (this.prepared) return;
    this.prepared = true;
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

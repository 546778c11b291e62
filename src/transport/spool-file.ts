import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { RunError } from '../errors/errors.js';

/** Bytes per staging buffer: a multiple of every block size O_DIRECT asks for (512, 4096). */
const DEFAULT_STAGE_BYTES = 1024 * 1024;
/** File offsets and lengths of direct writes are multiples of this. */
const DIRECT_ALIGN = 4096;
const WASM_PAGE = 64 * 1024;

// The one WebAssembly API used here (lib ES2023 has no WebAssembly types).
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer } };

export interface SpoolFileOptions {
  /** Try O_DIRECT (default true where the platform has it). */
  readonly direct?: boolean;
  /** Size of each of the two staging buffers; a multiple of 4096 for direct writes. */
  readonly stageBytes?: number;
}

/**
 * The local spool of a remote upload: an append-only file that is written once, read back
 * only when an upload has to be retried, and removed at the end.
 *
 * It bypasses the page cache (O_DIRECT) where the filesystem allows it: appended bytes are
 * copied into one of two page-aligned staging buffers, and a full buffer goes to disk by DMA
 * while the other fills. Buffered writes would copy every byte into freshly allocated page
 * cache, which cost the SFTP sink 0.5-0.9 CPU-s per 400 MB on this machine's ext4 (more than
 * the whole upload) and evicted useful cache for a file nobody reads on success; measured
 * with bench/sftp-upload.bench.mjs, see bench/RESULTS.md. Where O_DIRECT is refused (EINVAL at
 * open or at the first write: a filesystem without it, an unexpected alignment), the file is
 * reopened buffered and nothing is lost.
 *
 * The staging buffers are WebAssembly memories: their backing store is page-aligned, which a
 * Buffer's is not guaranteed to be.
 */
export class SpoolFile {
  readonly path: string;
  private fh: FileHandle;
  private isDirect: boolean;
  private readonly stages: [Buffer, Buffer];
  private current = 0;
  /** Bytes in the current stage. */
  private fill = 0;
  /** Bytes handed to write() so far (whole stages). */
  private flushed = 0;
  /** The one write in flight, if any; it always writes the stage that is not `current`. */
  private pending: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  private constructor(path: string, fh: FileHandle, direct: boolean, stages: [Buffer, Buffer]) {
    this.path = path;
    this.fh = fh;
    this.isDirect = direct;
    this.stages = stages;
  }

  /** Creates `path` (it must not exist), mode 0600. */
  static async create(path: string, opts: SpoolFileOptions = {}): Promise<SpoolFile> {
    const stageBytes = opts.stageBytes ?? DEFAULT_STAGE_BYTES;
    if (!Number.isSafeInteger(stageBytes) || stageBytes <= 0) throw new RunError('ERR_INTERNAL', `stageBytes must be a positive integer, got ${stageBytes}`);
    const base = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    const oDirect = (constants as Record<string, number | undefined>).O_DIRECT;
    const aligned = opts.direct !== false && oDirect !== undefined ? alignedBuffers(stageBytes) : undefined;
    if (aligned !== undefined && oDirect !== undefined) {
      try {
        return new SpoolFile(path, await open(path, base | oDirect, 0o600), true, aligned);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      }
    }
    const stages = aligned ?? [Buffer.allocUnsafeSlow(stageBytes), Buffer.allocUnsafeSlow(stageBytes)];
    return new SpoolFile(path, await open(path, base, 0o600), false, stages);
  }

  /** Whether the page cache is bypassed (false after a fallback). */
  get direct(): boolean {
    return this.isDirect;
  }

  /** Bytes appended so far: the file's size once finished. */
  get bytes(): number {
    return this.flushed + this.fill;
  }

  /**
   * Copies `bufs` in; resolves once they are copied (the caller may reuse them), not once they
   * are on disk. Calls must not overlap. A failed write rejects this or a later call.
   */
  async append(bufs: readonly Buffer[]): Promise<void> {
    this.check();
    for (const b of bufs) {
      let off = 0;
      while (off < b.length) {
        const stage = this.stages[this.current];
        const n = Math.min(b.length - off, stage.length - this.fill);
        b.copy(stage, this.fill, off, off + n);
        this.fill += n;
        off += n;
        if (this.fill === stage.length) await this.flushStage();
      }
    }
  }

  /** Writes what is left, trims the padding of the last direct write, closes the file. */
  async finish(): Promise<void> {
    this.check();
    this.closed = true;
    try {
      await this.settle();
      const size = this.flushed + this.fill;
      if (this.fill > 0) {
        const stage = this.stages[this.current];
        // Direct writes are whole blocks: pad, then cut the file back to its size.
        const len = this.isDirect ? Math.min(Math.ceil(this.fill / DIRECT_ALIGN) * DIRECT_ALIGN, stage.length) : this.fill;
        await this.writeAt(stage, len, this.flushed);
        if (len !== this.fill) await this.fh.truncate(size);
      }
    } finally {
      await this.fh.close();
    }
  }

  /** Closes the file without writing what is staged (the spool is being thrown away). */
  async discard(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pending?.catch(() => undefined);
    await this.fh.close();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new RunError('ERR_INTERNAL', `spool ${this.path} is closed`);
  }

  /** Starts writing the full current stage and switches to the other one. */
  private async flushStage(): Promise<void> {
    await this.settle();
    const stage = this.stages[this.current];
    const pos = this.flushed;
    this.flushed += stage.length;
    this.current ^= 1;
    this.fill = 0;
    this.pending = this.writeAt(stage, stage.length, pos).catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  private async settle(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    await p;
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeAt(buf: Buffer, len: number, pos: number): Promise<void> {
    try {
      await writeFully(this.fh, buf, len, pos);
    } catch (err) {
      if (!this.isDirect || (err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      // The filesystem took the O_DIRECT open but not this write: go on buffered, same file.
      // Only one write is ever in flight, so nothing else uses the old handle.
      const old = this.fh;
      this.fh = await open(this.path, constants.O_WRONLY);
      this.isDirect = false;
      await old.close().catch(() => undefined);
      await writeFully(this.fh, buf, len, pos);
    }
  }
}

async function writeFully(fh: FileHandle, buf: Buffer, len: number, pos: number): Promise<void> {
  let done = 0;
  while (done < len) {
    const { bytesWritten } = await fh.write(buf, done, len - done, pos + done);
    if (bytesWritten === 0) throw new RunError('ERR_OUTPUT', 'the spool file accepted no bytes');
    done += bytesWritten;
  }
}

/**
 * Two page-aligned staging buffers, or undefined where WebAssembly memory cannot be had (V8
 * reserves address space for each; a tight `ulimit -v` refuses it): the spool then goes buffered.
 */
function alignedBuffers(bytes: number): [Buffer, Buffer] | undefined {
  try {
    // Rounded up to whole WebAssembly pages (64 KiB); each Buffer views exactly `bytes` of it.
    const pages = Math.ceil(bytes / WASM_PAGE);
    return [Buffer.from(new WebAssembly.Memory({ initial: pages }).buffer, 0, bytes), Buffer.from(new WebAssembly.Memory({ initial: pages }).buffer, 0, bytes)];
  } catch {
    return undefined;
  }
}

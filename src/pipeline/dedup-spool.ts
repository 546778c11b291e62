/**
 * The spool between the two passes of `--dedup-order`: pass 1's chunks (their output after
 * transforms, per-record offsets, line numbers, probe values and each record's key index)
 * written in order to one temporary file in `--tmp-dir` (default the OS's), read back in the
 * same order by pass 2. Memory holds one chunk at a time; the file is removed however the run
 * ends. An input read from stdin is spooled like any other, never refused.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunError } from '../errors/errors.js';
import { errnoText } from '../outputs/resolve-target.js';
import type { RoutedChunk } from './route-chunk.js';

/** outLength, records, lineBase, has lines, probe offsets count, probe bytes. */
const HEAD_WORDS = 6;

export class DedupSpool {
  private file: FileHandle | undefined;
  private writeAt = 0;
  private chunks = 0;

  private constructor(private readonly dir: string) {}

  static async create(tmpDir: string | undefined): Promise<DedupSpool> {
    const parent = tmpDir ?? tmpdir();
    let dir: string;
    try {
      dir = await mkdtemp(join(parent, 'audience-pipe-dedup-'));
    } catch (err) {
      throw new RunError('ERR_SPOOL', `--tmp-dir: cannot create the --dedup-order spool in ${parent}: ${errnoText(err)}`, err);
    }
    const spool = new DedupSpool(dir);
    try {
      spool.file = await open(join(dir, 'pass1'), 'w+');
    } catch (err) {
      await spool.close();
      throw new RunError('ERR_SPOOL', `--tmp-dir: cannot create the --dedup-order spool in ${parent}: ${errnoText(err)}`, err);
    }
    return spool;
  }

  async append(c: RoutedChunk, keys: Int32Array): Promise<void> {
    const head = new Int32Array(HEAD_WORDS);
    head[0] = c.out.length;
    head[1] = c.records;
    head[2] = c.lineBase;
    head[3] = c.lines ? 1 : 0;
    head[4] = c.probes ? c.probes.offsets.length : 0;
    head[5] = c.probes ? c.probes.offsets[c.probes.offsets.length - 1] ?? 0 : 0;
    const parts: Uint8Array[] = [bytesOf(head), c.out, bytesOf(c.ends.subarray(0, c.records)), bytesOf(keys)];
    if (c.lines) parts.push(bytesOf(c.lines.subarray(0, c.records)));
    if (c.probes) parts.push(bytesOf(c.probes.offsets), c.probes.bytes.subarray(0, head[5]));
    for (const part of parts) await this.write(part);
    this.chunks++;
  }

  /** Pass 2: the chunks in the order they were appended, each with its key indexes. */
  async *replay(): AsyncGenerator<RoutedChunk> {
    let at = 0;
    for (let n = 0; n < this.chunks; n++) {
      const head = new Int32Array(await this.read(at, HEAD_WORDS * 4));
      at += HEAD_WORDS * 4;
      const [outLength, records, lineBase, hasLines, offsetsCount, probeBytes] = head;
      const out = Buffer.from(await this.read(at, outLength));
      at += outLength;
      const ends = new Int32Array(await this.read(at, records * 4));
      at += records * 4;
      const keys = new Int32Array(await this.read(at, records * 4));
      at += records * 4;
      let lines: Int32Array | undefined;
      if (hasLines) {
        lines = new Int32Array(await this.read(at, records * 4));
        at += records * 4;
      }
      let probes: RoutedChunk['probes'];
      if (offsetsCount > 0) {
        const offsets = new Int32Array(await this.read(at, offsetsCount * 4));
        at += offsetsCount * 4;
        const bytes = new Uint8Array(await this.read(at, probeBytes));
        at += probeBytes;
        probes = { bytes, offsets };
      }
      yield { out, records, ends, lineBase, keys, ...(lines ? { lines } : {}), ...(probes ? { probes } : {}) };
    }
  }

  /** Removes the spool. Never throws. */
  async close(): Promise<void> {
    await this.file?.close().catch(() => {});
    this.file = undefined;
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }

  private async write(data: Uint8Array): Promise<void> {
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.file!.write(data, done, data.length - done, this.writeAt);
        done += bytesWritten;
        this.writeAt += bytesWritten;
      }
    } catch (err) {
      throw new RunError('ERR_SPOOL', `--tmp-dir: cannot write the --dedup-order spool: ${errnoText(err)}`, err);
    }
  }

  private async read(at: number, length: number): Promise<ArrayBuffer> {
    const buf = new ArrayBuffer(length);
    const view = new Uint8Array(buf);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file!.read(view, done, length - done, at + done);
      if (bytesRead === 0) throw new RunError('ERR_SPOOL', 'the --dedup-order spool ended early: was it removed or truncated?');
      done += bytesRead;
    }
    return buf;
  }
}

const bytesOf = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * The routing stage, between accounting (account.ts) and the output files: each written record
 * goes to the file of its partition (`--partition-by`), a new part of which starts when the
 * current one is full (`--split-rows`, `--split-bytes`, never inside a record: chunks are cut at
 * the workers' per-record output offsets), unless it is a duplicate (dedup.ts) or the 201st line
 * of its ID in its file (AAM inbound). Runs of consecutive records bound for one file are
 * written as one slice of the chunk's output. Every record stays counted: one moved out of
 * `recordsOut` is counted as rejected or deduplicated, and the files' records add up to
 * `recordsOut` (checked at the end).
 */
import { RunError } from '../errors/errors.js';
import type { OutputNaming } from '../outputs/naming.js';
import type { FileTarget } from '../outputs/file-targets.js';
import { OutputFile, type LineCount, type OutputFileInfo, type Tally } from '../outputs/output-files.js';
import type { OutputPart } from '../outputs/output-set.js';
import type { RejectSink, RejectsWriter } from '../report/rejects-writer.js';
import type { RunAccounting } from '../report/run-report.js';
import { fingerprint, FingerprintTable, runSeed } from './dedup-fingerprint.js';
import type { Deduper, RoutedChunk } from './route-chunk.js';
import { AAM_MAX_LINES_PER_ID } from './route-settings.js';

/** What routing asks of the run's naming (src/outputs/naming.ts). */
export type FileNaming = Pick<OutputNaming, 'name'>;

interface RouterOptions {
  readonly target: FileTarget;
  /** Where each new file is registered, in creation order, to be published with the run. */
  readonly register: (part: OutputPart) => void;
  /** Written first in every file (CSV formats). */
  readonly header?: Buffer;
  readonly gzip: boolean;
  readonly splitRows?: number;
  readonly splitBytes?: number;
  /** Probe position and option text of the partition column. */
  readonly partition?: { readonly probe: number; readonly column: string; readonly max: number };
  readonly dedup?: { readonly deduper: Deduper; readonly column: string; readonly duplicates?: RejectsWriter };
  /** AAM inbound: the ID's probe position. */
  readonly idLimit?: { readonly probe: number; readonly column: string };
  /** Each file's lines counted (for the .info of --write-info). */
  readonly lineCounter?: () => LineCount;
  /** Records and bytes handed to the files so far, kept up to date. */
  readonly tally?: Tally;
  /** Probes per record (ChunkPlan.probes.length). */
  readonly probeCount: number;
  readonly accounting: RunAccounting;
  readonly rejects?: RejectSink;
  readonly signal: AbortSignal;
}

interface FileState {
  readonly file: OutputFile;
  records: number;
  bytes: number;
  /** AAM inbound: lines per ID in this file. */
  ids?: { table: FingerprintTable; counts: Uint8Array };
}

interface Partition {
  readonly value: string | undefined;
  readonly files: OutputFile[];
  current: FileState | undefined;
}

const decoder = new TextDecoder();

export class Router {
  private readonly partitions = new Map<string | undefined, Partition>();
  /** The partitions' values as text. */
  private readonly values = new Set<string>();
  private readonly files: OutputFile[] = [];
  private only: Partition | undefined;
  private readonly seed = runSeed();
  private readonly fp = new Int32Array(4);
  private seq = 0;
  /** Per chunk: when each of its slices is no longer referenced. */
  private held: Promise<void>[] = [];
  private readonly headerBytes: number;

  constructor(private readonly options: RouterOptions) {
    this.headerBytes = options.header?.length ?? 0;
  }

  /**
   * Routes every record of `c`; resolves once its bytes are handed to their files, with a
   * promise of when none of them references `c.out` any more (its buffer may then serve again).
   */
  async chunk(c: RoutedChunk): Promise<{ released: Promise<unknown> }> {
    this.held = [];
    const o = this.options;
    const P = o.probeCount;
    if (c.records > 0 && P > 0 && c.probes === undefined) throw new RunError('ERR_INTERNAL', 'a chunk came back without the probe values routing asked for (ChunkPlan.probes)');
    let runFile: FileState | undefined;
    let routed = 0;
    let runStart = 0;
    let runEnd = 0;
    for (let i = 0; i < c.records; i++) {
      const start = i === 0 ? 0 : c.ends[i - 1];
      const end = c.ends[i];
      const seq = this.seq++;
      if (o.dedup) {
        const verdict = o.dedup.deduper.verdict(c, i, seq);
        if (verdict !== false) {
          if (runFile) await this.write(runFile, c.out, runStart, runEnd);
          runFile = undefined;
          const kept = this.drop(c, i, start, end, verdict === 'empty' ? 'missing_mandatory' : 'duplicate');
          if (kept) await kept;
          continue;
        }
      }
      const partition = o.partition ? this.partitionOf(c, i) : this.single();
      let state = partition.current;
      const size = end - start;
      if (state === undefined || this.full(state, size)) {
        if (runFile) await this.write(runFile, c.out, runStart, runEnd);
        runFile = undefined;
        state = await this.newPart(partition);
      }
      if (o.idLimit && !this.countId(state, c, i)) {
        if (runFile) await this.write(runFile, c.out, runStart, runEnd);
        runFile = undefined;
        const kept = this.drop(c, i, start, end, 'too_many_lines_for_id');
        if (kept) await kept;
        continue;
      }
      state.records++;
      state.bytes += size;
      state.file.records++;
      routed++;
      if (runFile !== state) {
        if (runFile) await this.write(runFile, c.out, runStart, runEnd);
        runFile = state;
        runStart = start;
      }
      runEnd = end;
    }
    if (runFile) await this.write(runFile, c.out, runStart, runEnd);
    if (o.target.direct) for (const f of this.files) await f.flush();
    if (o.tally) o.tally.records += routed;
    return { released: Promise.all(this.held) };
  }

  /** True when the record of `size` bytes starts a new part (a part holds at least one record). */
  private full(state: FileState, size: number): boolean {
    if (state.records === 0) return false;
    const o = this.options;
    if (o.splitRows !== undefined && state.records >= o.splitRows) return true;
    return o.splitBytes !== undefined && state.bytes + size > o.splitBytes;
  }

  /** The one partition of a run without --partition-by. */
  private single(): Partition {
    if (this.only === undefined) {
      this.only = { value: undefined, files: [], current: undefined };
      this.partitions.set(undefined, this.only);
    }
    return this.only;
  }

  private partitionOf(c: RoutedChunk, i: number): Partition {
    const { probe, column, max } = this.options.partition!;
    // Keyed by the bytes (latin1 keeps each byte), so two values that are not valid UTF-8 stay apart.
    const key = this.probeBytes(c, i, probe).toString('latin1');
    let p = this.partitions.get(key);
    if (p === undefined) {
      const value = decoder.decode(this.probeBytes(c, i, probe));
      if (this.values.has(value)) {
        throw new RunError('ERR_NAME_COLLISION', `--partition-by ${column}: the value at line ${this.lineOf(c, i)} is not valid UTF-8 and reads as another partition's ('${value}'): their files would have one name; nothing was published`);
      }
      this.values.add(value);
      if (this.partitions.size >= max) {
        const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
        throw new RunError(
          'ERR_TOO_MANY_AUDIENCES',
          `--partition-by ${column}: more than ${max} distinct values (--max-audiences ${max}): "${shown}" at line ${this.lineOf(c, i)} is one too many; nothing was published`,
        );
      }
      p = { value, files: [], current: undefined };
      this.partitions.set(key, p);
    }
    return p;
  }

  private async newPart(p: Partition): Promise<FileState> {
    const previous = p.current;
    const o = this.options;
    const file = new OutputFile(await o.target.create(), o.gzip, p.value, p.files.length + 1, o.lineCounter?.(), o.tally);
    o.register(file);
    this.files.push(file);
    p.files.push(file);
    await file.open(o.signal);
    if (o.header) await file.write(o.header);
    const state: FileState = { file, records: 0, bytes: this.headerBytes };
    if (o.idLimit) state.ids = { table: new FingerprintTable(1 << 10, true), counts: new Uint8Array(1 << 10) };
    p.current = state;
    // The finished part is completed now (its buffers go, an SFTP part its connection); it is published at the end.
    if (previous) await previous.file.settle();
    return state;
  }

  /** Counts the record's ID in its file; false for the 201st and later lines of one ID. */
  private countId(state: FileState, c: RoutedChunk, i: number): boolean {
    const ids = state.ids!;
    const P = this.options.probeCount;
    const at = i * P + this.options.idLimit!.probe;
    fingerprint(c.probes!.bytes, c.probes!.offsets[at], c.probes!.offsets[at + 1], this.seed, this.fp);
    const index = ids.table.add(this.fp);
    if (index >= ids.counts.length) {
      const grown = new Uint8Array(ids.counts.length * 2);
      grown.set(ids.counts);
      ids.counts = grown;
    }
    if (ids.counts[index] >= AAM_MAX_LINES_PER_ID) return false;
    ids.counts[index]++;
    return true;
  }

  /** Counts record i out of the files; returns the write of its text when a file keeps it (the reject file, --duplicates). */
  private drop(c: RoutedChunk, i: number, start: number, end: number, reason: 'duplicate' | 'missing_mandatory' | 'too_many_lines_for_id'): Promise<void> | undefined {
    const o = this.options;
    let writer: RejectSink | undefined;
    let column: string;
    if (reason === 'duplicate') {
      o.accounting.moveToDeduplicated();
      writer = o.dedup!.duplicates;
      column = o.dedup!.column;
    } else {
      o.accounting.moveToRejected(reason);
      writer = o.rejects;
      column = reason === 'missing_mandatory' ? o.dedup!.column : o.idLimit!.column;
    }
    if (writer === undefined) return undefined;
    // A copy: the writer may buffer it past this chunk, whose output buffer then serves again.
    const record = Buffer.from(withoutLineEnd(c.out.subarray(start, end)));
    return writer.add(this.lineOf(c, i), column, reason, record).then((cut) => {
      if (cut) o.accounting.rejectsTruncated++;
    });
  }

  private lineOf(c: RoutedChunk, i: number): number {
    return c.lines === undefined ? 0 : c.lineBase + c.lines[i] + 1;
  }

  private probeBytes(c: RoutedChunk, i: number, probe: number): Buffer {
    const at = i * this.options.probeCount + probe;
    const { bytes, offsets } = c.probes!;
    return Buffer.from(bytes.buffer, bytes.byteOffset + offsets[at], offsets[at + 1] - offsets[at]);
  }

  private async write(state: FileState, out: Buffer, start: number, end: number): Promise<void> {
    if (end <= start) return;
    await state.file.write(out.subarray(start, end));
    this.held.push(state.file.held);
  }

  /**
   * Ends every file and names them now that each partition's part count is known. With no
   * record at all, a CSV output is one file holding its header; `allowEmpty` false (AAM
   * inbound) fails instead, as AAM rejects empty files.
   */
  async finish(naming: FileNaming, allowEmpty: boolean): Promise<OutputFileInfo[]> {
    if (this.files.length === 0) {
      if (!allowEmpty) {
        const a = this.options.accounting;
        throw new RunError(
          'ERR_EMPTY_OUTPUT',
          `the output has no records (${a.recordsIn} read, ${a.recordsRejected} rejected, ${a.recordsDeduplicated} deduplicated): AAM rejects empty files, so none was written`,
        );
      }
      await this.newPart(this.single());
    }
    for (const file of this.files) await file.end();
    // The naming refuses two partitions whose values give one name (ERR_NAME_COLLISION).
    for (const p of this.partitions.values()) {
      p.files.forEach((file, k) => file.setName(naming.name({ ...(p.value === undefined ? {} : { partition: p.value }), part: k + 1, parts: p.files.length })));
    }
    const infos = this.files.map((f) => f.info());
    const written = infos.reduce((n, f) => n + f.records, 0);
    if (written !== this.options.accounting.recordsOut) {
      throw new RunError('ERR_INTERNAL', `the output files hold ${written} records but ${this.options.accounting.recordsOut} were counted as written`);
    }
    return infos;
  }
}

/** A record's bytes without its LF (or CRLF), as the reject file shows records. */
function withoutLineEnd(record: Buffer): Buffer {
  let n = record.length;
  if (n > 0 && record[n - 1] === 0x0a) n--;
  if (n > 0 && record[n - 1] === 0x0d) n--;
  return record.subarray(0, n);
}

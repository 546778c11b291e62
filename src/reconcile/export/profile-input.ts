/**
 * The profile table as the engine's input (src/sources/source.ts): the CSV bytes of the job's
 * profile source (a file, or PostgreSQL's COPY), one part. On the way it reads the header, to
 * know where the profile's ID is (--unusable names profiles by it), and with --select-ids keeps
 * only the records of the listed profiles (as blank lines in place of the others, so that line
 * numbers stay the table's). A record whose ID cannot be read (a malformed quoted field) is passed
 * on: the engine rejects it or not, and counts it either way.
 */
import { ConfigError } from '../../errors/errors.js';
import type { Source, SourcePart } from '../../sources/source.js';
import type { ProfileSource } from '../profiles/source.js';
import { csvRecords, fieldAt, firstRecordEnd, headerFields } from './csv-record.js';

/** What --select-ids did: listed IDs, the table's records it kept and left out. */
export interface SelectionReport {
  readonly file: string;
  /** Distinct IDs listed. */
  readonly ids: number;
  /** Listed IDs no record of the table has. */
  readonly notFound: number;
  /** The first few of them, to look for. */
  readonly notFoundSample: readonly string[];
  /** Records of the table kept (their IDs listed). */
  readonly selected: number;
  /** Records of the table whose ID is not listed: never read as profiles. */
  readonly skipped: number;
  /** Records passed on because their ID could not be read (malformed CSV): the engine decides. */
  readonly unread: number;
}

export interface Selection {
  readonly file: string;
  readonly ids: ReadonlySet<string>;
}

const GATHER = 1 << 20;
const SAMPLE = 20;

export class ProfileInput implements Source {
  readonly description: string;
  private idIndex = -1;
  private selected = 0;
  private skipped = 0;
  private unread = 0;
  /** Blank lines standing for the records left out. */
  private blank = 0;
  private readonly found = new Set<string>();

  constructor(
    private readonly profiles: ProfileSource,
    /** The job's profiles.id column. */
    private readonly idColumn: string,
    private readonly selection?: Selection,
    /** Other columns the run needs, with the job's key that names each (the data source's key). */
    private readonly required: readonly { column: string; where: string }[] = [],
  ) {
    this.description = profiles.description;
  }

  /** The index of the ID column in the table's header, once the header was read (-1 before). */
  idField(): number {
    return this.idIndex;
  }

  /** The blank lines the engine counts that stand for records left out by the selection. */
  skippedLines(): number {
    return this.blank;
  }

  selectionReport(): SelectionReport | undefined {
    const s = this.selection;
    if (s === undefined) return undefined;
    const missing: string[] = [];
    let notFound = 0;
    for (const id of s.ids) {
      if (this.found.has(id)) continue;
      notFound++;
      if (missing.length < SAMPLE) missing.push(id);
    }
    return { file: s.file, ids: s.ids.size, notFound, notFoundSample: missing, selected: this.selected, skipped: this.skipped, unread: this.unread };
  }

  async parts(): Promise<SourcePart[]> {
    return [{ name: this.profiles.description, open: async (signal) => this.bytes(signal) }];
  }

  private readHeader(line: Uint8Array): void {
    const names = headerFields(line);
    const trimmed = (names ?? []).map((n) => n.trim());
    // The engine's own header check names a malformed header; a well-formed one without a column is the job's mistake.
    if (names === undefined) return;
    for (const { column, where } of [{ column: this.idColumn, where: 'profiles.id' }, ...this.required]) {
      if (!trimmed.includes(column.trim())) {
        throw new ConfigError(`--job: ${where}: column '${column}' is not in the profile table ${this.description} (columns: ${trimmed.join(', ')})`, 'job', undefined, 'ERR_JOB');
      }
    }
    const at = trimmed.indexOf(this.idColumn.trim());
    this.idIndex = at;
  }

  private async *bytes(signal: AbortSignal): AsyncGenerator<Buffer> {
    const raw = this.profiles.bytes(signal);
    if (this.selection === undefined) {
      yield* this.headerSeen(raw);
      return;
    }
    const ids = this.selection.ids;
    let parts: Buffer[] = [];
    let gathered = 0;
    // A run of kept records of one buffer, copied out when it ends.
    let runBuf: Buffer | undefined;
    let runStart = 0;
    let runEnd = 0;
    let pendingBlank = 0;
    let blankByte = 0x0a;
    const flushBlank = (): void => {
      if (pendingBlank === 0) return;
      parts.push(Buffer.alloc(pendingBlank, blankByte));
      gathered += pendingBlank;
      this.blank += pendingBlank;
      pendingBlank = 0;
    };
    const endRun = (): void => {
      if (runBuf === undefined || runEnd === runStart) return;
      parts.push(Buffer.from(runBuf.subarray(runStart, runEnd)));
      gathered += runEnd - runStart;
      runBuf = undefined;
    };
    for await (const { buf, start, end, header, eol } of csvRecords(raw)) {
      let keep = true;
      if (header) this.readHeader(buf.subarray(start, end));
      else if (this.idIndex >= 0 && !isBlank(buf, start, end)) {
        // A blank line is nobody's record: the engine counts it as one.
        const id = fieldAt(buf, start, end, this.idIndex);
        if (id === undefined) this.unread++;
        else if (ids.has(id.trim())) {
          this.selected++;
          this.found.add(id.trim());
        } else {
          keep = false;
          this.skipped++;
        }
      }
      if (keep) {
        if (runBuf !== buf || runEnd !== start) {
          endRun();
          flushBlank();
          runBuf = buf;
          runStart = start;
        }
        runEnd = end;
      } else {
        endRun();
        // A record left out is as many blank lines: the engine's line numbers stay the table's.
        for (let i = start; i < end; i++) if (buf[i] === eol) pendingBlank++;
        blankByte = eol;
      }
      if (pendingBlank >= GATHER) flushBlank();
      if (gathered >= GATHER) {
        yield parts.length === 1 ? parts[0] : Buffer.concat(parts, gathered);
        parts = [];
        gathered = 0;
      }
    }
    endRun();
    flushBlank();
    if (gathered > 0) yield parts.length === 1 ? parts[0] : Buffer.concat(parts, gathered);
  }

  /** The bytes as they come, the header read from the first line on the way. */
  private async *headerSeen(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let pending: Buffer[] = [];
    let known = false;
    for await (const chunk of raw) {
      if (!known) {
        pending.push(chunk);
        const head = Buffer.concat(pending);
        const end = firstRecordEnd(head);
        if (end >= 0) {
          known = true;
          this.readHeader(head.subarray(0, end));
          pending = [];
        }
      }
      yield chunk;
    }
    if (!known && pending.length > 0) this.readHeader(Buffer.concat(pending));
  }
}

function isBlank(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] !== 0x0a && b[i] !== 0x0d) return false;
  return true;
}

/**
 * What the engine keeps of a chunk's records after its one scan: per record its bytes, its line,
 * whether it stands (or why not), and the raw range of each transformed field, in typed arrays
 * indexed by the record's number in the chunk. The ops read their column from here, and the
 * writer writes from here, so the records are framed once.
 */
import type { FieldReader } from '../formats/worker-format.js';
import type { ChunkColumn, ChunkNotes } from '../transforms/op.js';

export class RecordTable {
  count = 0;
  start = new Int32Array(0);
  end = new Int32Array(0);
  /** Line ends before the record, from the chunk's start. */
  line = new Int32Array(0);
  /** -1 while the record stands, else its reject reason. */
  reason = new Int32Array(0);
  /** The column (index into the plan's columns) whose op rejected the record, or -1. */
  failedOp = new Int32Array(0);
  /** For a record-level reject, the field it names, or -1. */
  flawColumn = new Int32Array(0);
  /** Per transformed column: its raw field range and its counter kind, per record. */
  fieldStart: Int32Array[];
  fieldEnd: Int32Array[];
  kinds: Uint8Array[];

  constructor(private readonly columns: number) {
    this.fieldStart = Array.from({ length: columns }, () => new Int32Array(0));
    this.fieldEnd = Array.from({ length: columns }, () => new Int32Array(0));
    this.kinds = Array.from({ length: columns }, () => new Uint8Array(0));
    this.grow(1024);
  }

  /** Adds a record; returns its number. */
  add(): number {
    if (this.count === this.start.length) this.grow(2 * this.count);
    return this.count++;
  }

  private grow(size: number): void {
    const int = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const g = new Int32Array(size);
      g.set(a.subarray(0, this.count));
      return g;
    };
    this.start = int(this.start);
    this.end = int(this.end);
    this.line = int(this.line);
    this.reason = int(this.reason);
    this.failedOp = int(this.failedOp);
    this.flawColumn = int(this.flawColumn);
    for (let k = 0; k < this.columns; k++) {
      this.fieldStart[k] = int(this.fieldStart[k]);
      this.fieldEnd[k] = int(this.fieldEnd[k]);
      this.kinds[k] = new Uint8Array(size);
    }
  }
}

/** Column k of the table, as its op sees it. */
export class TableColumn implements ChunkColumn {
  src: Buffer = Buffer.alloc(0);
  count = 0;
  starts: Int32Array = new Int32Array(0);
  ends: Int32Array = new Int32Array(0);
  reasons: Int32Array = new Int32Array(0);
  kinds: Uint8Array = new Uint8Array(0);
  private failedOp: Int32Array = new Int32Array(0);

  constructor(
    private readonly k: number,
    readonly fields: FieldReader,
    readonly notes: ChunkNotes,
  ) {}

  /** Points the view at the table's arrays for this chunk (they may have grown). */
  reset(src: Buffer, t: RecordTable): void {
    this.src = src;
    this.count = t.count;
    this.starts = t.fieldStart[this.k];
    this.ends = t.fieldEnd[this.k];
    this.reasons = t.reason;
    this.kinds = t.kinds[this.k];
    this.failedOp = t.failedOp;
  }

  fail(r: number, reason: number): void {
    this.reasons[r] = reason;
    this.failedOp[r] = this.k;
  }
}

/**
 * The probe values of a chunk (ChunkPlan.probes, ChunkResult.probes): per written record, each
 * probe field's value as output, packed. An op's value is captured as its writer writes it (bytes
 * copied at once; a reserved slot copied once the chunk's batches filled it), any other value
 * decoded from the input.
 */
import { Bytes, copyInto, Int32List, IntColumns } from '../transforms/byte-buffers.js';
import type { ValueCapture } from '../formats/row-writer.js';

const NONE = 0;
const BYTES = 1;
const SLOT = 2;
const EMPTY = 3;

export class ProbeValues implements ValueCapture {
  private readonly bytes = new Bytes(1 << 14);
  private readonly offsets = new Int32List();
  /** Per slot value: its offset in `bytes`, its slot in the output, its length. */
  private readonly fixups = new IntColumns(3);
  /** The current record's values: per probe its state and range (in `scratch` or the output). */
  private readonly state: Uint8Array;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly scratch = new Bytes(1 << 10);
  private current = -1;

  constructor(readonly count: number) {
    this.state = new Uint8Array(count);
    this.from = new Int32Array(count);
    this.to = new Int32Array(count);
  }

  begin(): void {
    this.bytes.used = 0;
    this.offsets.count = 0;
    this.offsets.push(0);
    this.fixups.count = 0;
  }

  startRecord(): void {
    this.state.fill(NONE);
    this.scratch.used = 0;
  }

  /** Whether probe j of the current record has its value. */
  has(j: number): boolean {
    return this.state[j] !== NONE;
  }

  /** The next value or slot reported is probe j's; until then it is empty (an op that writes nothing). */
  listen(j: number): void {
    this.current = j;
    this.state[j] = EMPTY;
  }

  value(bytes: Buffer, start: number, end: number): void {
    const j = this.current;
    this.from[j] = this.scratch.used;
    copyInto(this.scratch, bytes, start, end);
    this.to[j] = this.scratch.used;
    this.state[j] = BYTES;
  }

  slot(at: number, n: number): void {
    const j = this.current;
    this.from[j] = at;
    this.to[j] = at + n;
    this.state[j] = SLOT;
  }

  /** Appends the current record's values, in probe order. */
  endRecord(): void {
    const bytes = this.bytes;
    for (let j = 0; j < this.count; j++) {
      const s = this.state[j];
      if (s === BYTES) copyInto(bytes, this.scratch.bytes, this.from[j], this.to[j]);
      else if (s === SLOT) {
        const n = this.to[j] - this.from[j];
        bytes.ensure(n);
        this.fixups.push(bytes.used, this.from[j], n);
        bytes.used += n;
      }
      this.offsets.push(bytes.used);
    }
  }

  /** Once the output's slots are filled: the chunk's values, in buffers of their own (transferred). */
  finish(out: Buffer): { bytes: ArrayBuffer; offsets: Int32Array } {
    const [at, slots, lengths] = this.fixups.cols;
    const b = this.bytes.bytes;
    for (let i = 0; i < this.fixups.count; i++) out.copy(b, at[i], slots[i], slots[i] + lengths[i]);
    const own = Buffer.allocUnsafeSlow(this.bytes.used);
    b.copy(own, 0, 0, this.bytes.used);
    return { bytes: own.buffer as ArrayBuffer, offsets: this.offsets.take() };
  }
}

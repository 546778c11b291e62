/** Growable byte and int buffers of the worker's hot path, and Buffer's fast latin1 codecs. */

/**
 * Buffer's own latin1 codecs, without `toString`/`write`'s argument handling: they run once per
 * transformed value. Both are public methods of Buffer.prototype in Node.
 */
type FastBuffer = Buffer & { latin1Slice(start: number, end: number): string; latin1Write(text: string, offset: number): number };
export const latin1Slice = (b: Buffer, start: number, end: number): string => (b as FastBuffer).latin1Slice(start, end);
export const latin1Write = (b: Buffer, text: string, offset: number): number => (b as FastBuffer).latin1Write(text, offset);

/** A growable byte buffer. */
export class Bytes {
  bytes: Buffer;
  used = 0;
  constructor(size: number, spare?: ArrayBuffer) {
    this.bytes = spare && spare.byteLength >= size ? Buffer.from(spare) : Buffer.allocUnsafeSlow(size);
  }
  ensure(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.used + extra) size *= 2;
    // Not zero-filled, and an ArrayBuffer of its own (not a pool slice), so it can be transferred.
    const next = Buffer.allocUnsafeSlow(size);
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }
}

/** A growable list of int32 columns, one entry per item. */
export class IntColumns {
  count = 0;
  cols: Int32Array[];
  constructor(width: number) {
    this.cols = Array.from({ length: width }, () => new Int32Array(256));
  }
  /** Fixed parameters, not rest arguments: no array allocated per call on the hot path. */
  push(a: number, b: number, c: number, d = 0, e = 0): void {
    if (this.count === this.cols[0].length) {
      this.cols = this.cols.map((col) => {
        const g = new Int32Array(col.length * 2);
        g.set(col);
        return g;
      });
    }
    const cols = this.cols;
    const i = this.count++;
    cols[0][i] = a;
    cols[1][i] = b;
    cols[2][i] = c;
    if (cols.length > 3) {
      cols[3][i] = d;
      cols[4][i] = e;
    }
  }
}

/** A growable list of int32s. */
export class Int32List {
  count = 0;
  values = new Int32Array(256);
  push(v: number): void {
    if (this.count === this.values.length) {
      const g = new Int32Array(this.values.length * 2);
      g.set(this.values);
      this.values = g;
    }
    this.values[this.count++] = v;
  }
  /** The values as an array of their own, to be transferred; the list is empty again (its room kept). */
  take(): Int32Array {
    const taken = this.values.slice(0, this.count);
    this.count = 0;
    return taken;
  }
}

/** Copies buf[start, end) to the end of `out`: a short run by hand, where a native call costs more than the copy. */
export function copyInto(out: Bytes, src: Buffer, start: number, end: number): void {
  const n = end - start;
  if (n <= 0) return;
  out.ensure(n);
  const dst = out.bytes;
  let o = out.used;
  if (n < 32) {
    for (let i = start; i < end; i++) dst[o++] = src[i];
  } else {
    // Buffer#copy, not set(subarray()): a subarray is an object per run, and the GC's work.
    src.copy(dst, o, start, end);
    o += n;
  }
  out.used = o;
}

/** Space, TAB, LF, VT, FF or CR: what values are trimmed of, in every format and op. */
export const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

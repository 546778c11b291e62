/**
 * Segment lists as AAM writes them: numeric segment IDs joined by commas, for the `segments`
 * column of the CSV mode and the rows of the AAM outbound mode (`generate --format aam-outbound`).
 */
import type { Prng } from './prng.js';

/** A destination's segments: a few dozen IDs of AAM's numeric kind. */
const SEGMENT_IDS: readonly string[] = Array.from({ length: 48 }, (_, i) => String(4000 + ((i * 7919) % 6000)));

/** The indexes drawn for the lists being built (qualified and removed: at most 8). */
const picked = new Int32Array(16);

/**
 * `n` distinct segment IDs, comma-separated, in the order drawn. With `after`, also distinct from
 * the `after` IDs of the list drawn just before (a removed list never repeats a qualified one).
 */
export function segmentList(r: Prng, n: number, after = 0): string {
  let s = '';
  for (let k = after; k < after + n; k++) {
    let i = r.int(SEGMENT_IDS.length);
    // A repeat takes the next free ID: a segment is listed once.
    for (let j = 0; j < k; j++) {
      if (picked[j] === i) {
        i = (i + 1) % SEGMENT_IDS.length;
        j = -1;
      }
    }
    picked[k] = i;
    s += (k === after ? '' : ',') + SEGMENT_IDS[i];
  }
  return s;
}

/** 1 to 5 segments, fewer more often. */
export function qualifiedCount(r: Prng): number {
  const x = r.float();
  return x < 0.4 ? 1 : x < 0.7 ? 2 : x < 0.85 ? 3 : x < 0.95 ? 4 : 5;
}

/** The CSV mode's `segments` value: quoted when it lists more than one (it holds commas then). */
export function csvSegments(r: Prng): string {
  const list = segmentList(r, qualifiedCount(r));
  return list.includes(',') ? `"${list}"` : list;
}

/**
 * A small, fast, seeded pseudo-random generator for synthetic data (never for anything secret).
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, 32-bit output),
 * its state filled from the seed by splitmix32. Same seed, same sequence, on every platform:
 * everything is 32-bit integer arithmetic (`| 0`, `>>> 0`, `Math.imul`), no Math.random.
 */
import { RunError } from '../../errors/errors.js';

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/** splitmix32: one 32-bit step per call; used to expand a seed into independent state words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/**
 * Folds any safe integer (negative or above 2^32 included) into 32 bits without losing the high
 * half, so that seeds 1 and 2^32 + 1 give different streams.
 */
function foldSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RunError('ERR_INTERNAL', `seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0; // two's complement low word, also right for negatives
  const hi = Math.floor(seed / TWO_POW_32) | 0;
  return hi === 0 ? lo : (lo ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const sm = splitmix32(foldSeed(seed));
    this.a = sm() | 0;
    this.b = sm() | 0;
    this.c = sm() | 0;
    this.d = 1; // sfc32's counter
    // Discard the first outputs so nearby seeds decorrelate fully.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  float(): number {
    return this.u32() * INV_TWO_POW_32;
  }

  /** Uniform integer in [0, n) for 0 < n <= 2^32 (multiply-shift; bias < n / 2^32). */
  int(n: number): number {
    return Math.floor(this.u32() * INV_TWO_POW_32 * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() * INV_TWO_POW_32 < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.u32() * INV_TWO_POW_32 * xs.length)] as T;
  }
}

/**
 * mulberry32: a one-line seeded generator of floats in [0, 1), for tests and benchmarks whose
 * inputs must reproduce from a seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

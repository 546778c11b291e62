/**
 * A built configuration cannot change under the run: every object and array is frozen, and
 * bytes, which JavaScript cannot freeze (a typed array with elements refuses Object.freeze),
 * are handed out as a fresh copy on every read, so a caller that scribbles over a key or an IV
 * changes only its own copy. Secrets are also hidden from JSON.stringify, util.inspect and pino.
 */
import type { AesKeyPair, Secrets } from './types.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Freezes the whole tree; byte properties are read-only copies already (see `withBytes`). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

/**
 * Defines `name` on `target` as a getter that returns a new copy of `bytes` at each read. The
 * copies are unpooled: a pooled Buffer is a view of an 8 KiB slab shared with unrelated data,
 * and cloning it to a worker would clone the whole slab.
 */
function withBytes<T extends object>(target: T, name: string, bytes: Uint8Array | undefined, enumerable = true): T {
  if (bytes === undefined) return target;
  const kept = unpooledCopy(bytes);
  Object.defineProperty(target, name, { get: () => unpooledCopy(kept), enumerable });
  return target;
}

function unpooledCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

/** Shows `text` instead of the object to JSON.stringify (and so pino) and util.inspect. */
function showAs<T extends object>(target: T, text: unknown): T {
  Object.defineProperty(target, 'toJSON', { value: () => text, enumerable: false });
  Object.defineProperty(target, INSPECT, { value: () => text, enumerable: false });
  return target;
}

/** The key table: names stay enumerable (the run lists them), the bytes never show. */
export function hideKeys(keys: Record<string, AesKeyPair>): Readonly<Record<string, AesKeyPair>> {
  const table: Record<string, AesKeyPair> = {};
  for (const [name, pair] of Object.entries(keys)) {
    const hidden = showAs(withBytes(withBytes({}, 'key', pair.key), 'iv', pair.iv), '[key]') as AesKeyPair;
    table[name] = Object.freeze(hidden);
  }
  return Object.freeze(showAs(table, Object.keys(keys).map((name) => `${name}: [set]`)));
}

/** Makes secrets invisible to JSON.stringify, util.inspect and pino while keeping them readable. */
export function hideSecrets(s: Omit<Secrets, 'keys'>, keys: Readonly<Record<string, AesKeyPair>>): Secrets {
  const holder = {} as Secrets;
  const set: string[] = [];
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    set.push(`${k}: [set]`);
    if (v instanceof Uint8Array) withBytes(holder, k, v, false);
    else Object.defineProperty(holder, k, { value: v, enumerable: false });
  }
  Object.defineProperty(holder, 'keys', { value: keys, enumerable: false });
  if (Object.keys(keys).length > 0) set.push(`keys: [${Object.keys(keys).join(', ')}]`);
  return Object.freeze(showAs(holder, set));
}

/**
 * How a reconciliation profile index is laid out in shared memory, agreed by the main thread
 * (src/reconcile/index-layout.ts writes it) and the workers (src/worker/lookup.ts reads it in
 * place). Imports nothing.
 *
 * One index is a set of shared regions (src/pool/shared-state.ts), each written once as the
 * profile table is read and grown in place, never copied:
 * - `meta`: Uint32 words, the counts, the default country of phone numbers and, per data
 *   source, how its keys are held (below);
 * - `fields`, `field-ends`: the kept profile fields (profiles.id first, then profiles.fields).
 *   `fields` holds each profile's record, profile after profile: its F values in order, each
 *   after its length (one byte below FIELD_LONG; else FIELD_LONG then the length as a Uint32,
 *   little-endian). Profiles go in blocks of FIELD_BLOCK: Uint32 `field-ends[b]` is the end of
 *   block b's records (the last block may be short), its start the previous end (0 for the
 *   first). ~1.25 bytes a profile besides the values, against 4 a field for an end per field;
 * - per data source s, its distinct keys as entries 0.., in table order (the first profile of a
 *   key makes its entry; a later profile with the same key is a duplicate and makes none), each
 *   in its matched form, held (S_HELD) one of two ways in `s<s>-keys`:
 *   - HELD_FINGERPRINT (the default): FINGERPRINT_WORDS Uint32 words each, entry e's at e * 12:
 *     the first 96 bits of the SHA-256 of the matched form (of a hashed source, its digest's own
 *     first 96 bits; of a text source, the SHA-256 of the normalised e-mail, phone or trimmed
 *     key). 12 bytes an entry whatever the key, against 32 for a digest and ~29 for an e-mail.
 *   - HELD_FULL (BuildOptions.fullKeys): KEYS_DIGEST 32 bytes each (the raw SHA-256, entry e's
 *     at e * 32), KEYS_TEXT back to back with Uint32 `s<s>-key-ends[e]` the end of entry e's.
 *   Uint32 `s<s>-owners[e]` is the profile number of entry e;
 * - per data source s, `s<s>-slots`: an open-addressing table of S_SLOTS Int32 slots (any
 *   count, sized from the table's expected keys so that it ends near 70% full, at most that;
 *   a power of two would leave a table of 10M keys 46-60% full), linear probing from
 *   `slotHome(hash, slots)` (the hash's top bits scaled to the count), wrapping at the end; a
 *   slot holds entry + 1 in its low SLOT_ENTRY_BITS and the hash's low SLOT_TAG_BITS above
 *   them (`slotTag`: bits the home does not use), 0 is empty. A probe
 *   whose tag differs is passed without reading the entry's key (most of them: the keys are far
 *   in memory, the slots near). The hash is the first Uint32 word of the digest / fingerprint,
 *   `keyHash(key)` for a KEYS_TEXT key held in full.
 *
 * False matches. HELD_FULL confirms the whole key, so none can happen. HELD_FINGERPRINT
 * confirms the 96 bits: with SHA-256 taken as a random function, an incoming ID whose key is in
 * no profile matches one of the N entries with probability at most N / 2^96, so a run of L
 * lookups (each ID tried against each source) makes a false match with probability at most
 * L * N / 2^96: for 10^7 IDs tried against 3 sources of 10^7 keys each, 3*10^7 * 10^7 / 7.9*10^28
 * < 4 * 10^-15 (the issue asks for below 10^-6). Two distinct profile keys sharing a fingerprint
 * (the later would count as a duplicate) happen with probability at most N^2 / 2^97: < 10^-15
 * at N = 10^7. The slot tag's 5 bits come from the same first word, so they add nothing here.
 */

/** Names of an index's regions: the same prefix for all of them. */
export const PROFILE_INDEX_PREFIX = 'profile-index:';
export const indexRegion = {
  meta: `${PROFILE_INDEX_PREFIX}meta`,
  fields: `${PROFILE_INDEX_PREFIX}fields`,
  fieldEnds: `${PROFILE_INDEX_PREFIX}field-ends`,
  keys: (s: number): string => `${PROFILE_INDEX_PREFIX}s${s}-keys`,
  keyEnds: (s: number): string => `${PROFILE_INDEX_PREFIX}s${s}-key-ends`,
  owners: (s: number): string => `${PROFILE_INDEX_PREFIX}s${s}-owners`,
  slots: (s: number): string => `${PROFILE_INDEX_PREFIX}s${s}-slots`,
} as const;

/** `meta` word 0. */
export const INDEX_MAGIC = 0x58495041; // 'APIX'
export const INDEX_VERSION = 6;

/** Profiles a `field-ends` word covers. */
export const FIELD_BLOCK = 4;
/** A length byte of FIELD_LONG: a Uint32 length follows. */
export const FIELD_LONG = 255;

/** `meta` words. */
export const M_MAGIC = 0;
export const M_VERSION = 1;
export const M_PROFILES = 2;
export const M_SOURCES = 3;
export const M_FIELDS = 4;
/** The default country the build read national phone numbers with: its two ASCII letters (first in the low byte), 0 for none. */
export const M_COUNTRY = 5;
export const M_HEADER_WORDS = 8;
/** Per data source, from word M_HEADER_WORDS + s * M_SOURCE_WORDS. */
export const M_SOURCE_WORDS = 8;
export const S_KEYS = 0;
export const S_FORM = 1;
/** Slots of the source's table. */
export const S_SLOTS = 2;
/** Distinct keys in the table. */
export const S_ENTRIES = 3;
export const S_DUPLICATES = 4;
export const S_EMPTY = 5;
export const S_INVALID = 6;
/** HELD_FINGERPRINT or HELD_FULL. */
export const S_HELD = 7;

/**
 * How a source's keys are held. KEYS_NONE: the source was not built (BuildOptions.sources: a run
 * that never tries it), its other meta words 0 and its regions empty; it must never be probed.
 */
export const KEYS_NONE = 0;
export const KEYS_DIGEST = 1;
export const KEYS_TEXT = 2;
export const DIGEST_BYTES = 32;

/** How a source's entries are held in `s<s>-keys` (see above). */
export const HELD_FULL = 1;
export const HELD_FINGERPRINT = 2;
/** Uint32 words of a fingerprint: 96 bits. */
export const FINGERPRINT_WORDS = 3;

/**
 * The form a value takes before it is held (hashed, for KEYS_DIGEST): the same rule reads the
 * profile's column at build time and an incoming plaintext (AES) at match time.
 */
export const FORM_PLAIN = 1; // trimmed; a value of hex digits only is lowercased (hex compares case-insensitively)
export const FORM_EXACT = 2; // trimmed, as it is (sha256 hashes the trimmed key)
export const FORM_LOWER = 3; // trimmed, lowercased (sha256_lc)
export const FORM_EMAIL = 4; // a valid address, trimmed, lowercased
export const FORM_PHONE = 5; // E.164 digits without '+'
export const FORM_PHONE_PLUS = 6; // E.164 with '+'

/** Load factor limit of a slot table. */
export const MAX_LOAD = 0.7;

/** A slot: entry + 1 in the low bits, a tag of the hash above. */
export const SLOT_ENTRY_BITS = 26;
export const SLOT_TAG_BITS = 5;
export const SLOT_ENTRY_MASK = (1 << SLOT_ENTRY_BITS) - 1;
/** Distinct keys one data source can hold. */
export const MAX_ENTRIES = SLOT_ENTRY_MASK - 1;
/** The tag bits of a slot for `hash` (its low bits: the home is its high bits). */
export const slotTag = (hash: number): number => (hash & ((1 << SLOT_TAG_BITS) - 1)) << SLOT_ENTRY_BITS;
/**
 * The first slot `hash` (a Uint32) probes in a table of `slots`: hash * slots / 2^32, exact
 * enough in a double (the product is below 2^58, its rounding error below 32, less than any
 * table's FIRST_SLOTS), and always below `slots`.
 */
export const slotHome = (hash: number, slots: number): number => Math.floor(((hash >>> 0) * slots) / 4294967296);

/** Whether a[as, as + n) and b[bs, bs + n) hold the same bytes: by hand, where keys are short and Buffer#compare's checks cost more. */
export function sameBytes(a: Uint8Array, as: number, b: Uint8Array, bs: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/** Slots of a new table; it doubles when it would be more than MAX_LOAD full (sized before that when the table's size is known). */
export const FIRST_SLOTS = 1024;

/**
 * A 32-bit hash of key bytes (murmur3's finaliser over 4-byte words), for KEYS_TEXT; a digest
 * is already uniform: its first Uint32 word is its hash.
 */
export function keyHash(b: Uint8Array, start: number, end: number): number {
  let h = 0x9747b28c ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < end) {
    let k = 0;
    for (let shift = 0; i < end; i++, shift += 8) k |= b[i] << shift;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

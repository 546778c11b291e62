// The profile index's open-addressing table as src/protocol/profile-index.ts lays it out, for the
// addon's loops over it (key_table.c's insert and lookup, lookup_rows.c's lookup): a slot holds
// its entry + 1 in the low SLOT_ENTRY_BITS and the hash's low SLOT_TAG_BITS above them, 0 is
// empty; entry e's key is the `width` words at keys[e * width], its hash the key's first word.
#ifndef AUDIENCE_PIPE_KEY_SLOTS_H
#define AUDIENCE_PIPE_KEY_SLOTS_H
#include <stdint.h>
#include <stddef.h>

#define SLOT_ENTRY_BITS 26
#define SLOT_TAG_BITS 5
#define SLOT_ENTRY_MASK ((1u << SLOT_ENTRY_BITS) - 1u)
/** slot_probe's answer for a slot naming an entry past the table's entries. */
#define SLOT_CORRUPT UINT32_MAX

/** The slot `hash` starts at, as the JavaScript side computes it (profile-index.ts slotHome): in doubles, to round alike. */
static inline uint32_t slot_home(uint32_t hash, double size) { return (uint32_t)((double)hash * size / 4294967296.0); }

/** The bits of a slot that tell its entry's hash (profile-index.ts slotTag). */
static inline uint32_t slot_tag(uint32_t hash) { return (hash & ((1u << SLOT_TAG_BITS) - 1u)) << SLOT_ENTRY_BITS; }

/**
 * Probes for `key` from its home slot, at most `size` slots: its entry + 1 when a slot holds it,
 * else 0 with *empty the empty slot the probe stopped at (`size` when it met none), or
 * SLOT_CORRUPT when a slot of the key's tag names an entry past `entries`.
 */
static inline uint32_t slot_probe(const int32_t* slots, uint32_t size, double dsize, const uint32_t* keys, uint32_t width, uint32_t entries, const uint32_t* key, uint32_t* empty) {
  const uint32_t tag = slot_tag(key[0]);
  uint32_t s = slot_home(key[0], dsize);
  for (uint32_t probes = 0; probes < size; probes++) {
    const uint32_t q = (uint32_t)slots[s];
    if (q == 0) {
      *empty = s;
      return 0;
    }
    if ((q & ~SLOT_ENTRY_MASK) == tag) {
      const uint32_t e = q & SLOT_ENTRY_MASK;
      if (e > entries) return SLOT_CORRUPT;
      const uint32_t* v = keys + (size_t)(e - 1) * width;
      uint32_t i = 0;
      while (i < width && v[i] == key[i]) i++;
      if (i == width) return e;
    }
    if (++s == size) s = 0;
  }
  *empty = size;
  return 0;
}

#endif

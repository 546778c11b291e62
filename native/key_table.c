// The loops of the profile index that wait on memory, in C: the build's insert (keyTableAdd), the
// workers' batch lookup (keyTableFind) and their touch of the kept fields (indexTouchFields).
//
// keyTableAdd: a chunk of keys added to one data source's open-addressing table, in one call: the insert loop of src/reconcile/key-table.ts (KeyTable.addDigests), same layout, same
// slots, same entries (src/protocol/profile-index.ts), byte for byte; test/key-table-native.test.ts
// proves the two equal. Written by hand because at 10M profiles the JavaScript loop spends ~200 ns
// an insert waiting on one cache miss after another (a table of 10M keys is far larger than the
// caches, and the probe's branches keep the CPU from running ahead); here the slot each key starts
// at is prefetched AHEAD keys before it is probed, so that many misses are in flight at once.
//
// keyTableAdd(slots, size, keys, width, owners, entries, d, stride, status, count, first, maxEntries)
//   slots   Int32Array of the table (`size` of them: slot = entry + 1 | tag, 0 empty)
//   keys    Uint32Array of the entries, `width` words each (a fingerprint or a digest), entry e's at e * width
//   owners  Uint32Array: owners[e] is the profile number of entry e
//   entries the entries already in the table
//   d       Uint32Array: the chunk's KEY_OK keys in order, key k's words at k * stride
//   status  Uint8Array: per profile of the chunk (count of them) 0 = KEY_OK, else no key
//   first   the profile number of the chunk's first profile
// Returns the entries now in the table; the duplicates are the KEY_OK keys that made none. The
// caller makes room first: keys and owners for every KEY_OK key, and slots kept under the load
// limit with all of them added (the table never grows here). Stops with a RangeError, having
// written nothing, when an argument does not fit; at maxEntries entries it stops adding and
// returns maxEntries + 1 (the caller then fails the build with its own error).
#include <node_api.h>
#include "napi_args.h"
#include "key_slots.h"
#include <stdint.h>
#include <stddef.h>

#define AHEAD 16

static napi_value key_table_add(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 12) return throw_range(env, "keyTableAdd: 12 arguments");
  int32_t* slots;
  uint32_t *keys, *owners, *d;
  uint8_t* status;
  size_t slots_len, keys_len, owners_len, d_len, status_len;
  int64_t size, width, entries, stride, count, first, max_entries;
  if (!typed_of(env, argv[0], napi_int32_array, (void**)&slots, &slots_len) || !whole_arg(env, argv[1], &size) ||
      !typed_of(env, argv[2], napi_uint32_array, (void**)&keys, &keys_len) || !whole_arg(env, argv[3], &width) ||
      !typed_of(env, argv[4], napi_uint32_array, (void**)&owners, &owners_len) || !whole_arg(env, argv[5], &entries) ||
      !typed_of(env, argv[6], napi_uint32_array, (void**)&d, &d_len) || !whole_arg(env, argv[7], &stride) ||
      !typed_of(env, argv[8], napi_uint8_array, (void**)&status, &status_len) || !whole_arg(env, argv[9], &count) ||
      !whole_arg(env, argv[10], &first) || !whole_arg(env, argv[11], &max_entries)) {
    return throw_range(env, "keyTableAdd: bad arguments");
  }
  if (size < 1 || (size_t)size > slots_len || width < 1 || stride < width || (size_t)count > status_len || max_entries > SLOT_ENTRY_MASK - 1) {
    return throw_range(env, "keyTableAdd: sizes out of range");
  }
  int64_t ok = 0;
  for (int64_t i = 0; i < count; i++) ok += status[i] == 0;
  if ((size_t)(ok * stride) > d_len || (size_t)((entries + ok) * width) > keys_len || (size_t)(entries + ok) > owners_len || entries > max_entries) {
    return throw_range(env, "keyTableAdd: no room for the chunk's keys");
  }
  const double dsize = (double)size;
  const uint32_t usize = (uint32_t)size;
  const uint32_t w = (uint32_t)width;
  uint32_t e = (uint32_t)entries;
  int64_t k = 0;
  // Prefetch the first slots of the next AHEAD keys (by key number, not profile number).
  for (int64_t j = 0; j < AHEAD && j < ok; j++) __builtin_prefetch(&slots[slot_home(d[j * stride], dsize)], 1, 0);
  for (int64_t i = 0; i < count; i++) {
    if (status[i] != 0) continue;
    if (k + AHEAD < ok) __builtin_prefetch(&slots[slot_home(d[(k + AHEAD) * stride], dsize)], 1, 0);
    const uint32_t* key = d + k * stride;
    k++;
    uint32_t s;
    const uint32_t held = slot_probe(slots, usize, dsize, keys, w, e, key, &s);
    if (held == SLOT_CORRUPT) return throw_range(env, "keyTableAdd: a slot names an entry the table does not hold");
    // A duplicate: the key's first profile keeps it.
    if (held != 0) continue;
    if (s == usize) return throw_range(env, "keyTableAdd: the table has no empty slot");
    if (e == (uint32_t)max_entries) {
      napi_value r;
      napi_create_int64(env, max_entries + 1, &r);
      return r;
    }
    uint32_t* to = keys + (size_t)e * w;
    for (uint32_t j = 0; j < w; j++) to[j] = key[j];
    owners[e] = (uint32_t)(first + i);
    e++;
    slots[s] = (int32_t)(e | slot_tag(key[0]));
  }
  napi_value r;
  if (napi_create_int64(env, e, &r) != napi_ok) return NULL;
  return r;
}

// keyTableFind(slots, size, keys, width, owners, entries, d, at, n, out): the worker side's batch
// lookup (src/worker/lookup.ts lookupDecodedDigests), for a table of `entries` entries: ID j's key
// is the `width` words at d[8 * at[j]] (a digest's words; a fingerprint is its first 3), and
// out[j] gets the owner of the entry holding it, or -1. Two stages of prefetch run ahead of the
// probes: the home slot of the ID AHEAD2 on, the entry named by the home slot of the ID AHEAD
// on (read from a slot prefetched before), so that the two misses an ID costs overlap those of
// the IDs around it. Every index is checked before it is read; a slot naming an entry past
// `entries` is a RangeError (an index that is not what the build published).
#define AHEAD2 (2 * AHEAD)

static napi_value key_table_find(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 10) return throw_range(env, "keyTableFind: 10 arguments");
  int32_t *slots, *at, *out;
  uint32_t *keys, *owners, *d;
  size_t slots_len, keys_len, owners_len, d_len, at_len, out_len;
  int64_t size, width, entries, n;
  if (!typed_of(env, argv[0], napi_int32_array, (void**)&slots, &slots_len) || !whole_arg(env, argv[1], &size) ||
      !typed_of(env, argv[2], napi_uint32_array, (void**)&keys, &keys_len) || !whole_arg(env, argv[3], &width) ||
      !typed_of(env, argv[4], napi_uint32_array, (void**)&owners, &owners_len) || !whole_arg(env, argv[5], &entries) ||
      !typed_of(env, argv[6], napi_uint32_array, (void**)&d, &d_len) || !typed_of(env, argv[7], napi_int32_array, (void**)&at, &at_len) ||
      !whole_arg(env, argv[8], &n) || !typed_of(env, argv[9], napi_int32_array, (void**)&out, &out_len)) {
    return throw_range(env, "keyTableFind: bad arguments");
  }
  if (size < 1 || (size_t)size > slots_len || width < 1 || width > 8 || (size_t)(entries * width) > keys_len || (size_t)entries > owners_len ||
      (size_t)n > at_len || (size_t)n > out_len) {
    return throw_range(env, "keyTableFind: sizes out of range");
  }
  for (int64_t j = 0; j < n; j++) {
    if (at[j] < 0 || (size_t)(8 * (int64_t)at[j] + width) > d_len) return throw_range(env, "keyTableFind: a key past the digests");
  }
  const double dsize = (double)size;
  const uint32_t usize = (uint32_t)size;
  const uint32_t w = (uint32_t)width;
  const uint32_t max_entry = (uint32_t)entries;
  for (int64_t j = 0; j < AHEAD2 && j < n; j++) __builtin_prefetch(&slots[slot_home(d[8 * (size_t)at[j]], dsize)], 0, 0);
  for (int64_t j = 0; j < n; j++) {
    if (j + AHEAD2 < n) __builtin_prefetch(&slots[slot_home(d[8 * (size_t)at[j + AHEAD2]], dsize)], 0, 0);
    if (j + AHEAD < n) {
      const uint32_t q = (uint32_t)slots[slot_home(d[8 * (size_t)at[j + AHEAD]], dsize)];
      const uint32_t e = q & SLOT_ENTRY_MASK;
      if (e != 0 && e <= max_entry) __builtin_prefetch(&keys[(size_t)(e - 1) * w], 0, 0);
    }
    uint32_t empty;
    const uint32_t held = slot_probe(slots, usize, dsize, keys, w, max_entry, d + 8 * (size_t)at[j], &empty);
    if (held == SLOT_CORRUPT) return throw_range(env, "keyTableFind: a slot names an entry the index does not hold");
    out[j] = held == 0 ? -1 : (int32_t)owners[held - 1];
  }
  return NULL;
}

// indexTouchFields(fieldEnds, fieldBytes, block, profiles, n): the kept fields of the profiles a
// batch's rows will write next brought into the cache (src/worker/lookup.ts prefetchFields): for
// each profile p >= 0 of profiles[0, n), the start of its block's records (fieldEnds[p / block -
// 1], or 0) is read, then the first byte there is prefetched, the reads of an ID AHEAD on
// overlapping. Reads only; an index out of range is skipped (the lookup that follows reads
// through the checked JavaScript views).
static napi_value index_touch_fields(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) return throw_range(env, "indexTouchFields: 5 arguments");
  uint32_t* ends;
  uint8_t* bytes;
  int32_t* profiles;
  size_t ends_len, bytes_len, profiles_len;
  int64_t block, n;
  if (!typed_of(env, argv[0], napi_uint32_array, (void**)&ends, &ends_len) || !typed_of(env, argv[1], napi_uint8_array, (void**)&bytes, &bytes_len) ||
      !whole_arg(env, argv[2], &block) || !typed_of(env, argv[3], napi_int32_array, (void**)&profiles, &profiles_len) || !whole_arg(env, argv[4], &n)) {
    return throw_range(env, "indexTouchFields: bad arguments");
  }
  if (block < 1 || (size_t)n > profiles_len) return throw_range(env, "indexTouchFields: sizes out of range");
  for (int64_t j = 0; j < AHEAD && j < n; j++) {
    const int64_t b = profiles[j] < 0 ? 0 : profiles[j] / block;
    if (b > 0 && (size_t)(b - 1) < ends_len) __builtin_prefetch(&ends[b - 1], 0, 0);
  }
  for (int64_t j = 0; j < n; j++) {
    if (j + AHEAD < n && profiles[j + AHEAD] >= 0) {
      const int64_t b = profiles[j + AHEAD] / block;
      if (b > 0 && (size_t)(b - 1) < ends_len) __builtin_prefetch(&ends[b - 1], 0, 0);
    }
    if (profiles[j] < 0) continue;
    const int64_t b = profiles[j] / block;
    const size_t at = b == 0 ? 0 : (size_t)(b - 1) < ends_len ? ends[b - 1] : bytes_len;
    if (at < bytes_len) __builtin_prefetch(&bytes[at], 0, 0);
  }
  return NULL;
}

/** Adds keyTableAdd, keyTableFind and indexTouchFields to the addon's exports (called from sha256_batch.c's module init). */
int key_table_register(napi_env env, napi_value exports) {
  napi_value fn;
  return napi_create_function(env, "keyTableAdd", NAPI_AUTO_LENGTH, key_table_add, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, "keyTableAdd", fn) == napi_ok &&
         napi_create_function(env, "keyTableFind", NAPI_AUTO_LENGTH, key_table_find, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, "keyTableFind", fn) == napi_ok &&
         napi_create_function(env, "indexTouchFields", NAPI_AUTO_LENGTH, index_touch_fields, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, "indexTouchFields", fn) == napi_ok;
}

// lookupRows: import-audience's whole chunk loop in one call, for the plan it runs nearly always
// (src/worker/lookup-rows.ts says which): AAM outbound lines in, each ID of 64 hex digits looked
// up in the profile index's digest sources, and the matched rows written as CSV, the output plan's
// fields in order. The same work the record engine does through the AAM reader
// (src/formats/aam-outbound/reader.ts), the lookup op (src/transforms/lookup-op.ts,
// src/worker/lookup-match.ts) and the CSV row writer (src/formats/csv/writer-rows.ts), byte for
// byte; test/lookup-rows.test.ts proves the two equal, on damaged chunks too. Written by hand
// because there the time went in layers of per-field calls and in one cache miss after another,
// where here a batch of lines is framed, then all its lookups run with their misses overlapped
// (the slots, the entries, the kept fields prefetched ahead), then its rows are written.
//
// The fast path takes no decision the engine's would differ on: a line it cannot take as the
// engine would without a reject (too long, a stray CR, a wrong field count, a non-ASCII ID) ends
// the call with LR_BAIL, and the engine runs the whole chunk its own way. Output room and the
// unmatched list are the caller's: when either is short the call returns with everything before
// the line it stopped at committed in `state`, and goes on from there when called again.
//
// lookupRows(chunk, length, layout, program, texts, textEnds, fieldEnds, fieldBytes, sources, out, state, counts, unmatched)
//   chunk      Uint8Array, the chunk's bytes; length: how many are the chunk's
//   layout     Int32Array [separator byte or -1 (runs of space and TAB), maxRecordBytes, fields a line may have, ID field, FIELD_BLOCK, kept fields a profile has]
//   program    Int32Array [n, kind, arg, kind, arg, ...]: the output row's n fields (P_* below)
//   texts      Uint8Array of texts already encoded as CSV fields, text i ending at textEnds[i] (Int32Array)
//   fieldEnds, fieldBytes  the profile index's kept fields (src/protocol/profile-index.ts)
//   sources    Array of the sources tried, in order, each [slots, size, keys, width, owners, entries, index]
//   out        Uint8Array the rows are written to, from state[LS_OUT]
//   state      Int32Array [input position, output used, line feeds, blank lines, records, rows written, unmatched]
//   counts     Int32Array, per index source i: [2i] matched, [2i + 1] no_profile
//   unmatched  Int32Array, 4 per unmatched ID: line offset, reason, the ID field's start and end
#include <node_api.h>
#include "napi_args.h"
#include "key_slots.h"
#include <stdint.h>
#include <string.h>

#define FIELD_LONG 255

enum { P_ID = 0, P_INPUT = 1, P_KEPT = 2, P_LABEL = 3, P_CONST = 4 };
enum { LS_POS, LS_OUT, LS_LINE_FEEDS, LS_BLANK, LS_RECORDS, LS_WRITTEN, LS_UNMATCHED, LS_WORDS };
enum { LR_DONE = 0, LR_OUT_FULL = 1, LR_LIST_FULL = 2, LR_BAIL = 3 };
enum { NO_PROFILE = 1, INVALID_ID = 3 };
enum { L_SEPARATOR, L_MAX_RECORD, L_FIELDS, L_ID, L_BLOCK, L_KEPT, L_WORDS };

#define MAX_SOURCES 32
#define MAX_LINE_FIELDS 8
#define MAX_KEPT 64
#define MAX_PROGRAM 64
#define BATCH 256
/** The lookups' prefetch distances: the home slot 2 * AHEAD IDs on, the entry and its owner AHEAD on. */
#define AHEAD 32
/** The rows' prefetch distance: a matched profile's first kept bytes FIELDS_AHEAD rows on (its block's start was prefetched when it was found). */
#define FIELDS_AHEAD 8

typedef struct {
  const int32_t* slots;
  uint32_t size;
  double dsize;
  const uint32_t* keys;
  uint32_t width;
  const uint32_t* owners;
  uint32_t entries;
  int32_t index;
} source_t;

typedef struct {
  int32_t start, end, next;
  int32_t blank, lf, hex;
  int32_t profile, source;
  int32_t fs[MAX_LINE_FIELDS + 1], fe[MAX_LINE_FIELDS + 1];
  uint32_t d[8];
} item_t;

/** A hex digit's value plus one; 0 for any other byte. */
static const int8_t HEX1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline int is_blank(uint8_t c) { return c == 0x20 || c == 0x09; }
/** JavaScript's trim() of ASCII: space, TAB, LF, VT, FF, CR (byte-buffers.ts isAsciiSpace). */
static inline int is_space(uint8_t c) { return c == 0x20 || (c >= 0x09 && c <= 0x0d); }

/**
 * The end of the run of bytes other than space and TAB from i (at most end): eight bytes a step,
 * the first blank one found as the lowest byte that XORs to zero with a blank.
 */
static inline int32_t run_end(const uint8_t* b, int32_t i, int32_t end) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  while (end - i >= 8) {
    uint64_t x;
    memcpy(&x, b + i, 8);
    const uint64_t sp = x ^ (0x20 * ones), tab = x ^ (0x09 * ones);
    const uint64_t z = (((sp - ones) & ~sp) | ((tab - ones) & ~tab)) & highs;
    if (z != 0) return i + (__builtin_ctzll(z) >> 3);
    i += 8;
  }
#endif
  while (i < end && !is_blank(b[i])) i++;
  return i;
}

/** The AAM reader's blankLine: the bytes of a blank line at pos, or 0. */
static int32_t blank_line(const uint8_t* b, int32_t pos, int32_t length) {
  int32_t i = pos;
  while (i < length && is_blank(b[i])) i++;
  if (i < length && b[i] == '\r' && (i + 1 == length || b[i + 1] == '\n')) i++;
  if (i < length) return b[i] == '\n' ? i + 1 - pos : 0;
  return i - pos;
}

/** Frames the line at pos into `it` as the AAM reader and the lookup op read it; 0 when the engine would reject it. */
static int frame(const uint8_t* b, int32_t pos, int32_t length, const int32_t* layout, item_t* it) {
  const uint8_t* lf = memchr(b + pos, '\n', (size_t)(length - pos));
  const int32_t eol = lf == NULL ? length : (int32_t)(lf - b);
  const int32_t end = eol > pos && b[eol - 1] == '\r' ? eol - 1 : eol;
  const int32_t next = eol < length ? eol + 1 : length;
  it->start = pos;
  it->end = end;
  it->next = next;
  it->blank = 0;
  it->lf = next > end && b[next - 1] == '\n';
  if (end - pos > layout[L_MAX_RECORD]) return 0;
  if (memchr(b + pos, '\r', (size_t)(end - pos)) != NULL) return 0;
  const int32_t cap = layout[L_FIELDS] + 1;
  int32_t nf = 0;
  const int32_t sep = layout[L_SEPARATOR];
  if (sep >= 0) {
    int32_t fs = pos;
    for (;;) {
      const uint8_t* at = memchr(b + fs, sep, (size_t)(end - fs));
      const int32_t fe = at == NULL ? end : (int32_t)(at - b);
      if (nf < cap) {
        it->fs[nf] = fs;
        it->fe[nf] = fe;
      }
      nf++;
      if (at == NULL) break;
      fs = fe + 1;
    }
  } else {
    int32_t i = pos;
    for (;;) {
      while (i < end && is_blank(b[i])) i++;
      if (i >= end) break;
      const int32_t s = i;
      i = run_end(b, i, end);
      if (nf < cap) {
        it->fs[nf] = s;
        it->fe[nf] = i;
      }
      nf++;
    }
  }
  if (nf < 2 || nf > layout[L_FIELDS]) return 0;
  for (int32_t i = nf; i < cap; i++) it->fs[i] = it->fe[i] = end;
  // The ID: trimmed, 64 hex digits decoded (the digest's bytes in order, as words of this
  // machine's byte order: lookup-match.ts decodeHex); any other ASCII value is an invalid ID.
  const int32_t idf = layout[L_ID];
  int32_t s = it->fs[idf], e = it->fe[idf];
  while (s < e && is_space(b[s])) s++;
  while (e > s && is_space(b[e - 1])) e--;
  it->hex = 0;
  it->profile = -1;
  it->source = -1;
  if (e - s == 64) {
    uint8_t* d = (uint8_t*)it->d;
    int bad = 0;
    for (int i = 0; i < 32; i++) {
      const int hi = HEX1[b[s + 2 * i]] - 1, lo = HEX1[b[s + 2 * i + 1]] - 1;
      bad |= hi | lo;
      d[i] = (uint8_t)((hi << 4) | lo);
    }
    it->hex = bad >= 0;
  }
  // Not hex digits: the engine reads a value that is not ASCII as text (a reject when it is not UTF-8).
  if (!it->hex) {
    for (int32_t i = it->fs[idf]; i < it->fe[idf]; i++) {
      if (b[i] >= 0x80) return 0;
    }
  }
  return 1;
}

/** The start of profile p's block of kept fields (fieldEnds[p / block - 1], or 0), or -1 past the arena. */
static inline int64_t block_start(const uint32_t* ends, size_t ends_len, int32_t p, int32_t block) {
  const int32_t k = p / block;
  if (k == 0) return 0;
  return (size_t)(k - 1) < ends_len ? (int64_t)ends[k - 1] : -1;
}

/** Brings the start of profile p's block (its entry of fieldEnds) into the cache; nothing for p < 0. */
static inline void prefetch_block(const uint32_t* ends, size_t ends_len, int32_t p, int32_t block) {
  if (p >= block && (size_t)(p / block - 1) < ends_len) __builtin_prefetch(&ends[p / block - 1], 0, 0);
}

/** Brings the first bytes of profile p's block into the cache; nothing for p < 0. */
static inline void prefetch_bytes(const uint8_t* bytes, size_t len, const uint32_t* ends, size_t ends_len, int32_t p, int32_t block) {
  if (p < 0) return;
  const int64_t at = block_start(ends, ends_len, p, block);
  if (at >= 0 && (size_t)at < len) __builtin_prefetch(&bytes[at], 0, 0);
}

/** The items' lookups in one source, their misses overlapped: the home slots AHEAD * 2 on, the entries AHEAD on. */
static int find(const source_t* src, item_t** list, int32_t n, const uint32_t* fends, size_t fends_len, int32_t block) {
  const double dsize = src->dsize;
  for (int32_t j = 0; j < 2 * AHEAD && j < n; j++) __builtin_prefetch(&src->slots[slot_home(list[j]->d[0], dsize)], 0, 0);
  for (int32_t j = 0; j < n; j++) {
    if (j + 2 * AHEAD < n) __builtin_prefetch(&src->slots[slot_home(list[j + 2 * AHEAD]->d[0], dsize)], 0, 0);
    if (j + AHEAD < n) {
      const uint32_t e = (uint32_t)src->slots[slot_home(list[j + AHEAD]->d[0], dsize)] & SLOT_ENTRY_MASK;
      if (e != 0 && e <= src->entries) {
        __builtin_prefetch(&src->keys[(size_t)(e - 1) * src->width], 0, 0);
        __builtin_prefetch(&src->owners[e - 1], 0, 0);
      }
    }
    item_t* it = list[j];
    uint32_t empty;
    const uint32_t held = slot_probe(src->slots, src->size, dsize, src->keys, src->width, src->entries, it->d, &empty);
    if (held == SLOT_CORRUPT) return 0;
    if (held != 0) {
      it->profile = (int32_t)src->owners[held - 1];
      it->source = src->index;
      // The start of its block of kept fields, for the rows written after the batch's lookups.
      prefetch_block(fends, fends_len, it->profile, block);
    }
  }
  return 1;
}

/** Profile p's kept fields: field f is bytes[ks[f], ke[f]); 0 when the arena does not hold them. */
static int kept_ranges(const uint8_t* bytes, size_t len, const uint32_t* ends, size_t ends_len, int32_t p, int32_t block, int32_t nkept, int32_t* ks, int32_t* ke) {
  int64_t pos = block_start(ends, ends_len, p, block);
  if (pos < 0) return 0;
  for (int64_t skip = (int64_t)(p % block) * nkept + nkept, f = 0; skip > 0; skip--) {
    if ((size_t)pos >= len) return 0;
    const uint8_t n = bytes[pos];
    int64_t s, e;
    if (n != FIELD_LONG) {
      s = pos + 1;
      e = s + n;
    } else {
      if ((size_t)pos + 5 > len) return 0;
      s = pos + 5;
      e = s + ((uint32_t)bytes[pos + 1] | (uint32_t)bytes[pos + 2] << 8 | (uint32_t)bytes[pos + 3] << 16 | (uint32_t)bytes[pos + 4] << 24);
    }
    if ((size_t)e > len) return 0;
    pos = e;
    if (skip <= nkept) {
      ks[f] = (int32_t)s;
      ke[f] = (int32_t)e;
      f++;
    }
  }
  return 1;
}

/** A value as a CSV field (comma, double quote): quoted, quotes doubled, when it holds a comma, a quote, CR or LF. */
static inline uint8_t* put_field(uint8_t* o, const uint8_t* v, int32_t n) {
  int quote = 0;
  for (int32_t i = 0; i < n; i++) {
    const uint8_t c = v[i];
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = 1;
      break;
    }
  }
  if (!quote) {
    memcpy(o, v, (size_t)n);
    return o + n;
  }
  *o++ = '"';
  for (int32_t i = 0; i < n; i++) {
    if (v[i] == '"') *o++ = '"';
    *o++ = v[i];
  }
  *o++ = '"';
  return o;
}

static napi_value status_value(napi_env env, int32_t status) {
  napi_value r;
  napi_create_int32(env, status, &r);
  return r;
}

static napi_value lookup_rows(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 13) return throw_range(env, "lookupRows: 13 arguments");
  uint8_t *chunk, *texts, *fbytes, *out;
  int32_t *layout, *program, *text_ends, *state, *counts, *unmatched;
  uint32_t* fends;
  size_t chunk_len, texts_len, fbytes_len, out_len, layout_len, program_len, text_ends_len, state_len, counts_len, unmatched_len, fends_len;
  int64_t length;
  bool is_array;
  uint32_t nsources;
  if (!typed_of(env, argv[0], napi_uint8_array, (void**)&chunk, &chunk_len) || !whole_arg(env, argv[1], &length) ||
      !typed_of(env, argv[2], napi_int32_array, (void**)&layout, &layout_len) || !typed_of(env, argv[3], napi_int32_array, (void**)&program, &program_len) ||
      !typed_of(env, argv[4], napi_uint8_array, (void**)&texts, &texts_len) || !typed_of(env, argv[5], napi_int32_array, (void**)&text_ends, &text_ends_len) ||
      !typed_of(env, argv[6], napi_uint32_array, (void**)&fends, &fends_len) || !typed_of(env, argv[7], napi_uint8_array, (void**)&fbytes, &fbytes_len) ||
      napi_is_array(env, argv[8], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[8], &nsources) != napi_ok ||
      !typed_of(env, argv[9], napi_uint8_array, (void**)&out, &out_len) || !typed_of(env, argv[10], napi_int32_array, (void**)&state, &state_len) ||
      !typed_of(env, argv[11], napi_int32_array, (void**)&counts, &counts_len) || !typed_of(env, argv[12], napi_int32_array, (void**)&unmatched, &unmatched_len)) {
    return throw_range(env, "lookupRows: bad arguments");
  }
  if ((size_t)length > chunk_len || length > INT32_MAX || layout_len < L_WORDS || state_len < LS_WORDS || nsources < 1 || nsources > MAX_SOURCES) {
    return throw_range(env, "lookupRows: sizes out of range");
  }
  const int32_t nfields = layout[L_FIELDS], idf = layout[L_ID], block = layout[L_BLOCK], nkept = layout[L_KEPT];
  if (nfields < 2 || nfields > MAX_LINE_FIELDS || idf < 0 || idf >= nfields || block < 1 || nkept < 1 || nkept > MAX_KEPT || layout[L_SEPARATOR] > 255) {
    return throw_range(env, "lookupRows: layout out of range");
  }
  const int32_t nprog = program_len > 0 ? program[0] : -1;
  if (nprog < 1 || nprog > MAX_PROGRAM || (size_t)(1 + 2 * nprog) > program_len) return throw_range(env, "lookupRows: program out of range");
  for (int32_t k = 0; k < nprog; k++) {
    const int32_t kind = program[1 + 2 * k], arg = program[2 + 2 * k];
    const int ok = kind == P_ID || (kind == P_INPUT && arg >= 0 && arg < nfields) || (kind == P_KEPT && arg >= 0 && arg < nkept) ||
                   ((kind == P_LABEL || kind == P_CONST) && arg >= 0 && (size_t)arg < text_ends_len);
    if (!ok) return throw_range(env, "lookupRows: a program field out of range");
  }
  for (size_t i = 0; i < text_ends_len; i++) {
    if (text_ends[i] < (i == 0 ? 0 : text_ends[i - 1]) || (size_t)text_ends[i] > texts_len) return throw_range(env, "lookupRows: texts out of range");
  }
  source_t sources[MAX_SOURCES];
  int32_t max_index = -1;
  for (uint32_t k = 0; k < nsources; k++) {
    napi_value s, v[7];
    uint32_t n;
    if (napi_get_element(env, argv[8], k, &s) != napi_ok || napi_is_array(env, s, &is_array) != napi_ok || !is_array || napi_get_array_length(env, s, &n) != napi_ok || n != 7) {
      return throw_range(env, "lookupRows: a source is not [slots, size, keys, width, owners, entries, index]");
    }
    for (uint32_t i = 0; i < 7; i++) napi_get_element(env, s, i, &v[i]);
    int32_t* slots;
    uint32_t *keys, *owners;
    size_t slots_len, keys_len, owners_len;
    int64_t size, width, entries, index;
    if (!typed_of(env, v[0], napi_int32_array, (void**)&slots, &slots_len) || !whole_arg(env, v[1], &size) || !typed_of(env, v[2], napi_uint32_array, (void**)&keys, &keys_len) ||
        !whole_arg(env, v[3], &width) || !typed_of(env, v[4], napi_uint32_array, (void**)&owners, &owners_len) || !whole_arg(env, v[5], &entries) || !whole_arg(env, v[6], &index)) {
      return throw_range(env, "lookupRows: bad source");
    }
    if (size < 1 || (size_t)size > slots_len || width < 1 || width > 8 || (size_t)(entries * width) > keys_len || (size_t)entries > owners_len || entries > SLOT_ENTRY_MASK || index > 255) {
      return throw_range(env, "lookupRows: source sizes out of range");
    }
    sources[k] = (source_t){slots, (uint32_t)size, (double)size, keys, (uint32_t)width, owners, (uint32_t)entries, (int32_t)index};
    if (index > max_index) max_index = (int32_t)index;
  }
  for (int32_t k = 0; k < nprog; k++) {
    if (program[1 + 2 * k] == P_LABEL && (size_t)(program[2 + 2 * k] + max_index) >= text_ends_len) return throw_range(env, "lookupRows: a label out of range");
  }
  if ((size_t)(2 * (max_index + 1)) > counts_len) return throw_range(env, "lookupRows: counts too short");
  if (state[LS_POS] < 0 || state[LS_POS] > length || state[LS_OUT] < 0 || (size_t)state[LS_OUT] > out_len || state[LS_UNMATCHED] < 0 || (size_t)(4 * (int64_t)state[LS_UNMATCHED]) > unmatched_len) {
    return throw_range(env, "lookupRows: state out of range");
  }

  const uint8_t* b = chunk;
  const int32_t len = (int32_t)length;
  item_t items[BATCH];
  item_t* list[BATCH];
  int32_t ks[MAX_KEPT], ke[MAX_KEPT];
  const size_t ucap = unmatched_len / 4;
  while (state[LS_POS] < len) {
    // Frame a batch of lines.
    int32_t n = 0;
    for (int32_t pos = state[LS_POS]; n < BATCH && pos < len; n++) {
      item_t* it = &items[n];
      const int32_t blank = blank_line(b, pos, len);
      if (blank > 0) {
        it->start = pos;
        it->next = pos + blank;
        it->blank = 1;
        it->profile = -1;
        pos += blank;
        continue;
      }
      if (!frame(b, pos, len, layout, it)) return status_value(env, LR_BAIL);
      pos = it->next;
    }
    // Each source in turn looks up the IDs still unmatched.
    for (uint32_t k = 0; k < nsources; k++) {
      int32_t m = 0;
      for (int32_t i = 0; i < n; i++) {
        if (!items[i].blank && items[i].hex && items[i].profile < 0) list[m++] = &items[i];
      }
      if (m > 0 && !find(&sources[k], list, m, fends, fends_len, block)) return throw_range(env, "lookupRows: a slot names an entry the index does not hold");
    }
    // The rows, in order; each line committed to `state` once done. The matched profiles' kept
    // bytes are brought into the cache rows ahead (their blocks' starts came in with the lookups).
    for (int32_t i = 0; i < FIELDS_AHEAD && i < n; i++) prefetch_bytes(fbytes, fbytes_len, fends, fends_len, items[i].profile, block);
    for (int32_t i = 0; i < n; i++) {
      if (i + FIELDS_AHEAD < n) prefetch_bytes(fbytes, fbytes_len, fends, fends_len, items[i + FIELDS_AHEAD].profile, block);
      const item_t* it = &items[i];
      if (it->blank) {
        state[LS_BLANK]++;
        state[LS_LINE_FEEDS]++;
        state[LS_POS] = it->next;
        continue;
      }
      if (it->profile < 0) {
        if ((size_t)state[LS_UNMATCHED] >= ucap) return status_value(env, LR_LIST_FULL);
        int32_t* u = unmatched + 4 * (size_t)state[LS_UNMATCHED]++;
        u[0] = state[LS_LINE_FEEDS];
        u[1] = it->hex ? NO_PROFILE : INVALID_ID;
        u[2] = it->fs[idf];
        u[3] = it->fe[idf];
        if (it->hex) {
          for (uint32_t k = 0; k < nsources; k++) counts[2 * sources[k].index + 1]++;
        }
      } else {
        if (!kept_ranges(fbytes, fbytes_len, fends, fends_len, it->profile, block, nkept, ks, ke)) return throw_range(env, "lookupRows: a profile past the kept fields");
        // Room for the row at its longest: every value quoted with each byte doubled, a comma each, the line end.
        int64_t need = nprog + 1;
        for (int32_t k = 0; k < nprog; k++) {
          const int32_t kind = program[1 + 2 * k], arg = program[2 + 2 * k];
          if (kind == P_ID) need += 2 * (it->fe[idf] - it->fs[idf]) + 2;
          else if (kind == P_INPUT) need += 2 * (it->fe[arg] - it->fs[arg]) + 2;
          else if (kind == P_KEPT) need += 2 * (ke[arg] - ks[arg]) + 2;
          else {
            const int32_t t = kind == P_LABEL ? arg + it->source : arg;
            need += text_ends[t] - (t == 0 ? 0 : text_ends[t - 1]);
          }
        }
        if ((int64_t)state[LS_OUT] + need > (int64_t)out_len) return status_value(env, LR_OUT_FULL);
        uint8_t* o = out + state[LS_OUT];
        for (int32_t k = 0; k < nprog; k++) {
          if (k > 0) *o++ = ',';
          const int32_t kind = program[1 + 2 * k], arg = program[2 + 2 * k];
          if (kind == P_ID) {
            const int32_t s = it->fs[idf], e = it->fe[idf];
            // 64 hex digits as they came need no quoting check (lookup-op.ts write).
            if (it->hex && e - s == 64) {
              memcpy(o, b + s, 64);
              o += 64;
            } else o = put_field(o, b + s, e - s);
          } else if (kind == P_INPUT) o = put_field(o, b + it->fs[arg], it->fe[arg] - it->fs[arg]);
          else if (kind == P_KEPT) o = put_field(o, fbytes + ks[arg], ke[arg] - ks[arg]);
          else {
            const int32_t t = kind == P_LABEL ? arg + it->source : arg;
            const int32_t s = t == 0 ? 0 : text_ends[t - 1];
            memcpy(o, texts + s, (size_t)(text_ends[t] - s));
            o += text_ends[t] - s;
          }
        }
        *o++ = '\n';
        state[LS_OUT] = (int32_t)(o - out);
        state[LS_WRITTEN]++;
        counts[2 * it->source]++;
      }
      state[LS_RECORDS]++;
      state[LS_LINE_FEEDS] += it->lf;
      state[LS_POS] = it->next;
    }
  }
  return status_value(env, LR_DONE);
}

/** Adds lookupRows to the addon's exports (called from sha256_batch.c's module init). */
int lookup_rows_register(napi_env env, napi_value exports) {
  napi_value fn;
  return napi_create_function(env, "lookupRows", NAPI_AUTO_LENGTH, lookup_rows, NULL, &fn) == napi_ok && napi_set_named_property(env, exports, "lookupRows", fn) == napi_ok;
}

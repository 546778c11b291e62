// SHA-256 of many short values in one call: the hash step of the worker's hot path.
//
// sha256HexBatch(src, starts, ends, count, out, slots): for i < count, writes the 64 lowercase
// hex digits of SHA-256(src[starts[i], ends[i])) to out[slots[i], slots[i] + 64);
// sha256DigestBatch(...) the same with the 32 raw digest bytes (for an index of digests). One call per
// chunk instead of one `crypto.hash` per value: the per-call cost of the JavaScript API (argument
// checks, a digest context, a result string) is most of the time for a 20-40 byte value. The
// digest itself is OpenSSL's low-level SHA-256, the one Node links (SHA-NI where the CPU has it).
// Every range is checked against its buffer before anything is written.
#include <node_api.h>
#include "napi_args.h"
#include <openssl/sha.h>
#include <stdint.h>
#include <stddef.h>

static const char HEX[] = "0123456789abcdef";

/** Both functions: `hex` chooses 64 hex digits or 32 raw bytes a slot. */
static napi_value sha256_batch(napi_env env, napi_callback_info info, int hex) {
  size_t argc = 6;
  napi_value argv[6];
  const size_t width = hex ? 2 * SHA256_DIGEST_LENGTH : SHA256_DIGEST_LENGTH;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) return throw_range(env, "sha256 batch: 6 arguments");
  uint8_t *src, *out;
  size_t src_len, out_len, starts_len, ends_len, slots_len;
  int32_t *starts, *ends, *slots;
  int64_t count;
  if (!typed_of(env, argv[0], napi_uint8_array, (void**)&src, &src_len) ||
      !typed_of(env, argv[1], napi_int32_array, (void**)&starts, &starts_len) ||
      !typed_of(env, argv[2], napi_int32_array, (void**)&ends, &ends_len) ||
      napi_get_value_int64(env, argv[3], &count) != napi_ok ||
      !typed_of(env, argv[4], napi_uint8_array, (void**)&out, &out_len) ||
      !typed_of(env, argv[5], napi_int32_array, (void**)&slots, &slots_len)) {
    return throw_range(env, "sha256 batch: (Uint8Array, Int32Array, Int32Array, number, Uint8Array, Int32Array)");
  }
  if (count < 0 || (size_t)count > starts_len || (size_t)count > ends_len || (size_t)count > slots_len) {
    return throw_range(env, "sha256 batch: count exceeds the index arrays");
  }
  for (int64_t i = 0; i < count; i++) {
    int64_t s = starts[i], e = ends[i], o = slots[i];
    if (s < 0 || e < s || (size_t)e > src_len || o < 0 || (size_t)o + width > out_len) {
      return throw_range(env, "sha256 batch: a range is outside its buffer");
    }
  }
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  for (int64_t i = 0; i < count; i++) {
    // The low-level calls, not SHA256(): since OpenSSL 3.0 that one goes through EVP_Q_digest,
    // which looks the algorithm up in the provider on every call (about 150 ns of a 200 ns hash).
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, src + starts[i], (size_t)(ends[i] - starts[i]));
    uint8_t* d = out + slots[i];
    if (!hex) {
      SHA256_Final(d, &ctx);
      continue;
    }
    SHA256_Final(md, &ctx);
    for (int j = 0; j < SHA256_DIGEST_LENGTH; j++) {
      d[2 * j] = (uint8_t)HEX[md[j] >> 4];
      d[2 * j + 1] = (uint8_t)HEX[md[j] & 15];
    }
  }
  return NULL;
}

static napi_value sha256_hex_batch(napi_env env, napi_callback_info info) { return sha256_batch(env, info, 1); }
static napi_value sha256_digest_batch(napi_env env, napi_callback_info info) { return sha256_batch(env, info, 0); }

/** native/key_table.c: the profile index's insert loop, in the same addon. */
int key_table_register(napi_env env, napi_value exports);
/** native/lookup_rows.c: import-audience's chunk loop. */
int lookup_rows_register(napi_env env, napi_value exports);

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (!key_table_register(env, exports) || !lookup_rows_register(env, exports)) return NULL;
  if (napi_create_function(env, "sha256HexBatch", NAPI_AUTO_LENGTH, sha256_hex_batch, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sha256HexBatch", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "sha256DigestBatch", NAPI_AUTO_LENGTH, sha256_digest_batch, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sha256DigestBatch", fn) != napi_ok) return NULL;
  return exports;
}

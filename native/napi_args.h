// Argument checks shared by the addon's functions (sha256_batch.c, key_table.c).
#ifndef AUDIENCE_PIPE_NAPI_ARGS_H
#define AUDIENCE_PIPE_NAPI_ARGS_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/** Throws a RangeError with `msg`; returns NULL, the value a failed call returns. */
static inline napi_value throw_range(napi_env env, const char* msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/** The data and element count of `v` if it is a typed array of type `want`; 0 otherwise. */
static inline int typed_of(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  return napi_get_typedarray_info(env, v, &type, len, data, &ab, &offset) == napi_ok && type == want;
}

/** `v` as a whole number >= 0 in *out; 0 when it is not one. */
static inline int whole_arg(napi_env env, napi_value v, int64_t* out) { return napi_get_value_int64(env, v, out) == napi_ok && *out >= 0; }

#endif

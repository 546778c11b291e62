{
  "targets": [
    {
      "target_name": "sha256_batch",
      "sources": ["sha256_batch.c", "key_table.c", "lookup_rows.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=0x10100000L"]
    }
  ]
}

/**
 * The project's N-API addon (native/: sha256_batch.c, key_table.c and lookup_rows.c in one module, built by
 * `npm ci`, see scripts/build-native.mjs), loaded once per thread. Each user takes the functions
 * it needs by name and keeps its JavaScript fallback for an addon that is missing, or older than
 * the function. Worker-side and main-side code read it alike.
 */
import { createRequire } from 'node:module';

/** The addon's exports, or undefined when it is not built or does not load in this thread. */
const ADDON: Readonly<Record<string, unknown>> | undefined = (() => {
  try {
    // dist/transforms/ and src/transforms/ are both two levels below the package root.
    return createRequire(import.meta.url)('../../native/build/Release/sha256_batch.node') as Record<string, unknown>;
  } catch {
    return undefined;
  }
})();

/** The addon's function `name`, of the type its caller declares, or undefined. */
export function nativeFunction<F>(name: string): F | undefined {
  const f = ADDON?.[name];
  return typeof f === 'function' ? (f as F) : undefined;
}

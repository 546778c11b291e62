/**
 * A profile table in a CSV file, gzipped or not (recognised by its magic bytes, as every input
 * of the project: src/sources/decode.ts).
 */
import { createReadStream } from 'node:fs';
import { RunError } from '../../errors/errors.js';
import { decodedBytes } from '../../sources/decode.js';
import type { ProfileSource } from './source.js';

export function csvFileProfiles(path: string): ProfileSource {
  return {
    description: path,
    async *bytes(signal?: AbortSignal): AsyncGenerator<Buffer> {
      const raw = createReadStream(path, { highWaterMark: 1 << 20, signal });
      try {
        // Read-stream buffers are fresh per read: none is reused, so none needs a copy.
        yield* decodedBytes(raw, () => {});
      } catch (err) {
        if (err instanceof RunError) throw err;
        const e = err as NodeJS.ErrnoException;
        if (e.name === 'AbortError') throw err;
        const zlib = typeof e.code === 'string' && e.code.startsWith('Z_');
        throw new RunError('ERR_PROFILES', zlib ? `profiles.path: ${path} is not valid gzip: ${e.message}` : `profiles.path: cannot read ${path}: ${e.code ?? e.message}`, err);
      } finally {
        raw.destroy();
      }
    },
  };
}

/**
 * A profile table in a CSV file, gzipped or not (recognised by its magic bytes, as every input
 * of the project: src/sources/decode.ts).
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { RunError } from '../../errors/errors.js';
import { decodedBytes } from '../../sources/decode.js';
import type { ProfileSource } from './source.js';

export function csvFileProfiles(path: string): ProfileSource {
  return {
    description: path,
    sizeHint(): number | undefined {
      // A gzipped file's size says little of its CSV's.
      try {
        const fd = openSync(path, 'r');
        try {
          const head = Buffer.alloc(2);
          if (readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b) return undefined;
        } finally {
          closeSync(fd);
        }
        return statSync(path).size;
      } catch {
        return undefined;
      }
    },
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

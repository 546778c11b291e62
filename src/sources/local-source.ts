/** Local input: a file path, or `-` for stdin. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { RunError } from '../errors.js';
import type { Source, SourcePart } from './source.js';

export function createStdinSource(): Source {
  const part: SourcePart = { name: 'stdin', open: async () => process.stdin as Readable };
  return { description: 'stdin', parts: async () => [part] };
}

export function createFileSource(path: string, readSize: number): Source {
  const part: SourcePart = {
    name: basename(path),
    async open() {
      try {
        const st = await stat(path);
        if (st.isDirectory()) throw new RunError('ERR_INPUT', `--in: ${path} is a directory`);
      } catch (err) {
        if (err instanceof RunError) throw err;
        throw new RunError('ERR_INPUT', `--in: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
      }
      // Reads of about a chunk each: fewer, larger buffers for the chunker to join.
      return createReadStream(path, { highWaterMark: Math.min(Math.max(readSize, 64 * 1024), 8 << 20) });
    },
  };
  return { description: path, parts: async () => [part] };
}

/** Local input: a file path, or `-` for stdin. */
import { open as openFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { RunError } from '../errors.js';
import type { Source, SourcePart } from './source.js';

/**
 * Reads a file into one buffer over and over: the chunker copies each read before it asks for
 * the next, so a run allocates no buffer per read (a stream allocates one per read, which on
 * a multi-gigabyte file keeps the main thread's garbage collector busy).
 */
async function* readFileInto(path: string, readSize: number): AsyncGenerator<Buffer> {
  const handle = await openFile(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(readSize);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, readSize, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

export function createStdinSource(): Source {
  // A slow or idle writer must not hold an interrupted run: abort ends the pending read.
  const part: SourcePart = { name: 'stdin', open: async (signal) => addAbortSignal(signal, process.stdin as Readable) };
  return { description: 'stdin', parts: async () => [part] };
}

export function createFileSource(path: string, readSize: number): Source {
  let size: number | undefined;
  const part: SourcePart = {
    name: basename(path),
    size: () => size,
    async open() {
      try {
        const st = await stat(path);
        if (st.isDirectory()) throw new RunError('ERR_INPUT', `--in: ${path} is a directory`);
        // A FIFO or device says 0 or nothing true about what it will deliver.
        if (st.isFile()) size = st.size;
      } catch (err) {
        if (err instanceof RunError) throw err;
        throw new RunError('ERR_INPUT', `--in: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
      }
      return readFileInto(path, Math.min(Math.max(readSize, 64 * 1024), 8 << 20));
    },
  };
  return { description: path, parts: async () => [part] };
}

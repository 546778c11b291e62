/** Local input: a file path, or `-` for stdin. */
import { open as openCallback } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { basename } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { RunError } from '../errors/errors.js';
import type { Source, SourcePart } from './source.js';

// A plain descriptor for the pipe handle to own (a FileHandle would close it when collected).
const openFd = promisify(openCallback);

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
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, readSize, null));
      } catch (err) {
        throw cannotRead(path, err);
      }
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

/**
 * A FIFO is read as a stream on a non-blocking pipe handle, so that an interrupted run does not
 * wait for an idle writer: a blocking read could not be called off. Opening it waits for a
 * writer; an abort meanwhile ends the run, and the open left pending ends with the process.
 */
async function readFifo(path: string, signal: AbortSignal): Promise<Readable> {
  signal.throwIfAborted();
  const aborted = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  const fd = await Promise.race([openFd(path, 'r'), aborted]);
  return addAbortSignal(signal, new Socket({ fd, readable: true, writable: false }));
}

export function createFileSource(path: string, readSize: number): Source {
  let size: number | undefined;
  const part: SourcePart = {
    name: basename(path),
    size: () => size,
    async open(signal) {
      let fifo = false;
      try {
        const st = await stat(path);
        if (st.isDirectory()) throw new RunError('ERR_INPUT', `--in: ${path} is a directory`);
        // A FIFO or device says 0 or nothing true about what it will deliver.
        if (st.isFile()) size = st.size;
        fifo = st.isFIFO();
      } catch (err) {
        if (err instanceof RunError) throw err;
        throw cannotRead(path, err);
      }
      if (fifo) return readFifo(path, signal);
      return readFileInto(path, Math.min(Math.max(readSize, 64 * 1024), 8 << 20));
    },
  };
  return { description: path, parts: async () => [part] };
}

/** A failed read of the input is the input's error (ERR_INPUT), not the bare errno of Node. */
function cannotRead(path: string, err: unknown): RunError {
  return new RunError('ERR_INPUT', `--in: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
}

/**
 * Local input: a file path, `-` for stdin, a directory (every file in it) or a glob in the last
 * path segment (`in/part-*.gz`), the files of the last two read in natural name order as one
 * input, as an SFTP directory is. A `.info` file among them is the batch's transfer-control
 * file (src/batch/), never data.
 */
import { open as openCallback } from 'node:fs';
import { open as openFile, readdir, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { ConfigError, RunError } from '../errors/errors.js';
import { globToRegExp, naturalCompare } from '../transport/sftp/address.js';
import { isControlFile, type Source, type SourcePart } from './source.js';
import { selectControlFile } from '../batch/control-file.js';

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

/** `--in <path>`: a file, a directory, or a glob in the last segment. */
export function createFileSource(path: string, readSize: number): Source {
  let listed: Awaited<ReturnType<typeof listLocal>>;
  return {
    description: path,
    async parts() {
      listed = await listLocal(path);
      if (listed === undefined) return [filePart(path, readSize)];
      const { sizes } = listed;
      // Sizes from the listing, so that progress knows the whole input's before the first part is read.
      return listed.data.map((p) => filePart(p, readSize, sizes.get(p)));
    },
    // The batch's .info beside the files, if one applies (src/batch/control-file.ts).
    async controlFiles() {
      if (listed === undefined) return [];
      const chosen = selectControlFile(listed.data.map((p) => basename(p)), listed.control.map((p) => basename(p)), listed.kind, listed.dir);
      return chosen === undefined ? [] : [filePart(join(listed.dir, chosen), readSize)];
    },
  };
}

const GLOB_RE = /[*?]/;

/**
 * The files a directory or glob input names: data files and `.info` control files apart, each
 * in natural name order. Undefined when `spec` names one file (or nothing: its open says so).
 * A directory skips hidden files (the local sink's temporary `.part` files are hidden); a glob
 * takes its directory's `.info` files too, the batch's control file being named after the
 * batch's root and not after the glob.
 */
export async function listLocal(spec: string, options: { allowEmpty?: boolean } = {}): Promise<{ dir: string; kind: 'directory' | 'glob'; data: string[]; control: string[]; sizes: Map<string, number> } | undefined> {
  const st = await stat(spec).catch(() => undefined);
  let dir: string;
  let accept: (name: string) => boolean;
  let pattern = spec;
  if (st !== undefined && st.isDirectory()) {
    dir = spec;
    accept = (n) => !n.startsWith('.') && !n.endsWith('.part');
    pattern = '';
  } else if (st === undefined && GLOB_RE.test(spec)) {
    dir = dirname(spec);
    if (GLOB_RE.test(dir)) throw new ConfigError(`--in: wildcards are only allowed in the last path segment (${spec})`, '--in');
    const re = globToRegExp(basename(spec));
    accept = (n) => re.test(n);
  } else {
    return undefined;
  }
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw cannotRead(dir, err);
  }
  const data: string[] = [];
  const control: string[] = [];
  const sizes = new Map<string, number>();
  for (const name of names.sort(naturalCompare)) {
    const path = join(dir, name);
    const info = isControlFile(name);
    if (!info && !accept(name)) continue;
    if (info && name.startsWith('.')) continue;
    // A link counts as what it points to; directories, FIFOs and devices are not batch files.
    const entry = await stat(path).catch(() => undefined);
    if (entry === undefined || !entry.isFile()) continue;
    (info ? control : data).push(path);
    sizes.set(path, entry.size);
  }
  if (data.length === 0 && options.allowEmpty !== true) {
    throw new RunError('ERR_INPUT', pattern === '' ? `--in: directory ${dir} holds no input file` : `--in: no file matches ${pattern}`);
  }
  return { dir, kind: pattern === '' ? 'directory' : 'glob', data, control, sizes };
}

function filePart(path: string, readSize: number, listedSize?: number): SourcePart {
  let size = listedSize;
  return {
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
}

/** A failed read of the input is the input's error (ERR_INPUT), not the bare errno of Node. */
function cannotRead(path: string, err: unknown): RunError {
  return new RunError('ERR_INPUT', `--in: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
}

import type { Readable } from 'node:stream';

/**
 * Where input bytes come from. A source is one or more parts (several files of a remote
 * directory read as one input); each part is a byte stream that starts with the same header.
 * Decompression (gzip, detected by magic bytes) is done by the pipeline, not by sources.
 */
export interface SourcePart {
  /** Shown in logs and errors: never contains secrets (no passwords, no URL query). */
  readonly name: string;
  /**
   * Opens the raw byte stream of this part: a Readable, or an async iterable whose yielded
   * buffer may be reused once the next one is asked for (the consumer copies first). The
   * caller closes it with `closeByteStream` when it stops early.
   */
  open(signal: AbortSignal): Promise<ByteStream>;
  /** The raw byte size when the source knows it (a file's, Content-Length, SFTP's stat), for progress; some only once opened. */
  size?(): number | undefined;
}

export type ByteStream = Readable | AsyncIterable<Buffer>;

/** Ends a byte stream that is not read to its end. */
export async function closeByteStream(stream: ByteStream): Promise<void> {
  if (typeof (stream as Readable).destroy === 'function') (stream as Readable).destroy();
  else await (stream as AsyncGenerator<Buffer>).return?.(undefined);
}

export interface Source {
  /** Shown in logs and reports: never contains secrets. */
  readonly description: string;
  /** Lists the parts in reading order (natural name order for directory patterns). */
  parts(signal: AbortSignal): Promise<SourcePart[]>;
  /**
   * The batch's transfer-control `.info` files found beside the parts (a directory's, a glob's
   * directory's), never data; known once `parts()` has listed them. src/batch/ checks the parts
   * against them.
   */
  controlFiles?(): Promise<SourcePart[]>;
  /** Once `parts()` has listed them: the .info the parts were checked against, if any. */
  batch?(): BatchSummary | undefined;
  /** Called once after the whole run succeeded (e.g. `--delete-after`, `--move-after`). */
  afterSuccess?(): Promise<void>;
  /** Releases connections; called at the end of every run. Never throws. */
  close?(): Promise<void>;
}

/** A batch that passed its .info check: the .info as shown, and the totals it confirmed. */
export interface BatchSummary {
  readonly info: string;
  readonly files: number;
  readonly bytes: number;
  readonly lines: number;
}

/** A transfer-control file (AAM's `.info`): beside a batch's data files, never one of them. */
export function isControlFile(name: string): boolean {
  return /\.info$/i.test(name);
}

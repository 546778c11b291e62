import type { Writable } from 'node:stream';

/** The README's rule: an output whose file name ends in `.gz` is written gzipped. */
export const gzipByName = (name: string): boolean => /\.gz$/i.test(name);

/**
 * Where output bytes go. The pipeline writes the output in order to `open()`'s Writable with
 * backpressure, ends it, waits for it to finish, then calls `commit()`. On any failure it
 * destroys the writable and calls `abort()`. A committed sink has published the complete
 * output under its final name; an aborted one leaves nothing under that name.
 */
export interface Sink {
  /** Shown in logs and reports: never contains secrets. */
  readonly description: string;
  open(signal: AbortSignal): Promise<Writable>;
  /**
   * Optional first half of commit(), for sinks whose completion can fail after the writable
   * finished (an upload retried from a spool): makes the output complete without publishing
   * it, so the run's other outputs can be completed before anything is published.
   */
  prepare?(): Promise<void>;
  /** Makes the complete output visible (rename into place, commit the block list, ...). */
  commit(): Promise<void>;
  /** Removes partial output where it can. Never throws. */
  abort(reason: unknown): Promise<void>;
  /**
   * True when the writable's write callback means it holds no reference to the chunk any more,
   * so the chunk's memory can be reused. Leave unset when unsure.
   */
  readonly releasesWrittenChunks?: boolean;
  /**
   * True when written bytes reach their reader at once (stdout, a FIFO): a failed run cannot
   * take them back, so it says how much was written.
   */
  readonly direct?: boolean;
  /**
   * True when the output is gzip (its file name ends in `.gz`): workers then compress each
   * chunk. Decided by the sink from the name it resolved, not guessed from its description.
   */
  readonly gzip?: boolean;
  /** Facts for the report (e.g. remote host, path, attempts); never secrets. */
  details?(): Record<string, unknown>;
}

/**
 * The main-thread side of a record format: how its records are framed into chunks, whether the
 * first record is a header, and which settings its worker side needs. Each format's folder has
 * one module of this kind (`<format>/main.ts`, named in ./registry.ts) and one for the worker
 * (scanner and writer, in the workers' own table), so a worker never loads main-thread code.
 */
import type { ProcessConfig } from '../config/types.js';
import type { FormatInit } from '../protocol/messages.js';
import type { RecordFraming } from './framing.js';

/** How a format names its columns. */
export type HeaderRule =
  /** The first record of each input file names the columns. */
  | {
      readonly kind: 'record';
      /** The names in the header record's bytes (without its line end), read with the line end it was framed with. */
      parse(bytes: Buffer, lineEnd: number): string[];
      /** What the output starts with for that header. */
      write(bytes: Buffer): Buffer;
    }
  /** Every record is data; the format names the columns (AAM outbound: id, segments, removed_segments). */
  | { readonly kind: 'none'; readonly columns: readonly string[] };

/** A format bound to one run's configuration. */
export interface FormatRun {
  /** Sent to every worker as they are (plain, secret-free): `name` picks the format's worker side. */
  readonly settings: FormatInit;
  readonly header: HeaderRule;
  /** A framing for one input file: framing keeps state, and a header sets the file's line end. */
  framing(): RecordFraming;
}

export interface RecordFormat {
  readonly name: string;
  /** Reads the format's options from the configuration (validated there). */
  forRun(config: ProcessConfig): FormatRun;
}

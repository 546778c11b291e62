/**
 * Where a reconciliation job's profile table comes from, behind one small interface: raw CSV
 * bytes, header line first, as a stream. A CSV file (csv-file.ts, gzip too) and a PostgreSQL
 * query read with COPY (postgres.ts) both give that, and the index build (../index-build.ts)
 * frames and reads the records of either the same way.
 */
import type { ProfileTableSpec } from '../job-types.js';
import { csvFileProfiles } from './csv-file.js';
import { postgresProfiles } from './postgres.js';

export interface ProfileSource {
  /** Names the table in messages and the report (a path, or user@host:port/database): never a secret. */
  readonly description: string;
  /**
   * The table as CSV (`,` delimiter, `"` quote, RFC 4180 doubling, a header line): buffers that
   * stay valid after the next is asked for. Errors are RunError ERR_PROFILES naming the table.
   */
  bytes(signal?: AbortSignal): AsyncIterable<Buffer>;
  /** The CSV's size in bytes when it is known before reading (a plain file's), to size the index from the first records. */
  sizeHint?(): number | undefined;
}

/** The job's profile table as a source. */
export function profileSource(table: ProfileTableSpec): ProfileSource {
  return table.kind === 'csv' ? csvFileProfiles(table.path) : postgresProfiles(table);
}

/**
 * The reconciliation job as the rest of the program reads it (issue #12, "The job file"): the
 * profile table, and the data sources whose keys are matched against incoming IDs. Built and
 * frozen by job-file.ts; the secrets in it (AES keys, the PostgreSQL password) are readable but
 * invisible to JSON.stringify, util.inspect and pino.
 */
import type { HashMethod } from '../config/types.js';

/** Where the profile table comes from. */
export type ProfileTableSpec =
  | { readonly kind: 'csv'; /** Absolute (resolved against the job file's directory). */ readonly path: string }
  | {
      readonly kind: 'postgres';
      /** Without a password: one in the URL is refused (secrets never live in the job file). */
      readonly url: string;
      readonly query: string;
      /** From AUDIENCE_PIPE_PG_PASSWORD or PGPASSWORD; hidden from JSON and inspect. */
      readonly password: PgPassword | undefined;
    };

/** A password that shows as `[set]` to JSON.stringify, util.inspect and pino. */
export interface PgPassword {
  reveal(): string;
}

export interface ProfilesSpec {
  readonly table: ProfileTableSpec;
  /** The column of the profile's ID (Campaign's recipient ID). */
  readonly id: string;
  /** The e-mail column, needed by an AES data source of channel `email`. */
  readonly email: string | undefined;
  /** The phone column, needed by an AES data source of channel `sms`. */
  readonly phone: string | undefined;
  /**
   * ISO 3166-1 alpha-2 (upper case): the plan of phone numbers written without a country code
   * (phone hash methods, AES channel sms); none: such a number is an invalid key.
   */
  readonly defaultCountry: string | undefined;
  /** Columns kept for output, besides `id`. */
  readonly fields: readonly string[];
}

export type Channel = 'email' | 'sms' | 'other';

export type Protection =
  | { readonly kind: 'none' }
  | { readonly kind: 'hash'; readonly method: HashMethod }
  | {
      readonly kind: 'aes';
      /** 16, 24 or 32 bytes; each read is a fresh copy, hidden from JSON and inspect. */
      readonly key: Buffer;
      readonly iv: Buffer;
      readonly encoding: 'hex' | 'base64';
      readonly channel: Channel;
    };

export interface DataSource {
  readonly label: string;
  /** The AAM data source / integration code; unique in the job. */
  readonly alias: string;
  readonly dpid: number | undefined;
  readonly type: 'declared' | 'visitor';
  /** The profile column the reconciliation key is read from. */
  readonly key: string;
  readonly protection: Protection;
  readonly priority: number;
}

export interface ReconcileJob {
  /** The job file's absolute path (undefined for a job given as an object). */
  readonly file: string | undefined;
  readonly profiles: ProfilesSpec;
  /** In the job file's order. */
  readonly dataSources: readonly DataSource[];
}

/**
 * The column whose value a data source's index holds for each profile: the e-mail or phone
 * column for AES channels `email` / `sms` (the incoming ID decrypts to an address or a number),
 * the key column otherwise.
 */
export function matchedColumn(job: ReconcileJob, source: DataSource): string {
  const p = source.protection;
  if (p.kind === 'aes' && p.channel === 'email') return job.profiles.email as string;
  if (p.kind === 'aes' && p.channel === 'sms') return job.profiles.phone as string;
  return source.key;
}

/** The sources in the order they are tried when neither `--alias` nor a DPID names one: highest priority first, ties in file order. */
export function byPriority(job: ReconcileJob): readonly number[] {
  return job.dataSources.map((_, i) => i).sort((a, b) => job.dataSources[b].priority - job.dataSources[a].priority || a - b);
}

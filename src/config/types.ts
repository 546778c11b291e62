import type { OpName } from '../protocol/messages.js';
import type { FormatName } from '../formats/registry.js';

/** The validated, frozen configuration of one run. Built by src/config/load.ts. */

export type HashMethod = 'email_lc_sha256' | 'phone_sha256' | 'phone_sha256_e164' | 'sha256' | 'sha256_lc';
export const HASH_METHODS: readonly HashMethod[] = ['email_lc_sha256', 'phone_sha256', 'phone_sha256_e164', 'sha256', 'sha256_lc'];

export interface HashSpec {
  readonly column: string;
  readonly method: HashMethod;
}

/** The op registry's key, one list with the thread protocol's: a hash method, or AES-CBC one way or the other. */
export type { OpName } from '../protocol/messages.js';

/** What one op needs beyond its column; each op reads only its own. */
export interface OpParams {
  /** AES ops: the name of the key in `secrets.keys`. */
  readonly key?: string;
  /** AES ops: the ciphertext's text encoding. */
  readonly encoding?: 'hex' | 'base64';
  /** Phone ops: the country of numbers written without a country code. */
  readonly defaultCountry?: string;
  /** encrypt: the plaintext normalised as an e-mail or a phone number first (export-audience's AES channels). */
  readonly normalize?: 'email' | 'phone';
}

/** One transformed column. */
export interface OpSpec {
  readonly column: string;
  readonly op: OpName;
  readonly params: OpParams;
}

/** The name of the key given by `--aes-key-file` (or AUDIENCE_PIPE_AES_KEY) and `--aes-iv`: the one an op without a key name uses. */
export const DEFAULT_KEY = 'default';

/** An AES key and its IV, as one data source protects its values. */
export interface AesKeyPair {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/** A named key of the config file's `keys` (the shape of a data source's `protection.aes`). */
export interface KeyEntry {
  /** A file holding the key in hex. */
  readonly keyFile: string;
  /** 16 bytes in hex. */
  readonly iv: string;
  /** The ciphertext's text encoding for the columns using this key (default: --cipher-encoding). */
  readonly cipherEncoding?: 'hex' | 'base64';
}

/** A named SFTP account, as Campaign's external accounts (`--out account:NAME`). */
export interface SftpAccount {
  readonly host: string;
  readonly port?: number;
  readonly username: string;
  readonly privateKeyFile?: string;
  /** Pinned host key fingerprint, `SHA256:<base64>` as `ssh-keygen -lf` prints it. */
  readonly hostKey?: string;
  /** Remote directory used when the account is named without a path. */
  readonly dir?: string;
}

/**
 * Secrets travel apart from the rest of the configuration so that logging or serialising a
 * config can never reveal them: `toJSON` and `util.inspect` show only which secrets are set.
 */
export interface Secrets {
  /** The unnamed key as given; it serves columns (as `keys.default`) only with `--aes-iv`. */
  readonly aesKey?: Buffer;
  /** Every configured AES key by name, the unnamed one as DEFAULT_KEY; each access hands out copies of the bytes. */
  readonly keys: Readonly<Record<string, AesKeyPair>>;
  readonly sftpPassword?: string;
  readonly sftpPassphrase?: string;
}

export interface TransportConfig {
  /** Output file name when `--out` is a directory (path ending in `/`). */
  readonly name?: string;
  readonly sftpKey?: string;
  readonly sftpHostKey?: string;
  readonly knownHosts?: string;
  readonly sftpInsecureAcceptAnyHostKey: boolean;
  readonly retries: number;
  readonly deleteAfter: boolean;
  readonly moveAfter?: string;
  /** Where a remote output's local spool goes (default: the OS temporary directory). */
  readonly tmpDir?: string;
  readonly accounts: Readonly<Record<string, SftpAccount>>;
}

/**
 * `--max-rejects`: how many rejected records a run tolerates, as a count or as a share of the
 * records read; `undefined` limit (`none`) accepts anything.
 */
export type MaxRejects = { readonly count: number } | { readonly percent: number } | undefined;

/** `--id-type <column>=<type>`: the raw identity types of the Campaign destination's seed identities. */
export type IdType = 'ecid' | 'gaid' | 'idfa' | 'external_id';
export const ID_TYPES: readonly IdType[] = ['ecid', 'gaid', 'idfa', 'external_id'];

/** One output column of `--select`: an input column, under its output name. */
export interface SelectedColumn {
  readonly column: string;
  /** The output name: `--select col:name`'s name, else the column with dots as underscores (AEP field paths). */
  readonly as: string;
}

/** How AAM outbound rows are read (`--field-separator`, `--list-separator`). */
export interface AamOutboundConfig {
  /** One byte between the fields; undefined: any run of spaces and tabs. */
  readonly fieldSeparator?: number;
  /** Between the segments of a list; default `,`. */
  readonly listSeparator: number;
}

/** What an AAM inbound output is made of (`--to aam-inbound`). */
export interface AamInboundConfig {
  readonly idColumn?: string;
  /** `--trait <token>`: constant tokens every row carries, in flag order. */
  readonly traits: readonly string[];
  /** A column of comma-separated trait IDs, each written `d_sid=<id>`. */
  readonly traitsColumn?: string;
  /** A column of comma-separated trait IDs, each written `d_unsid=<id>`. */
  readonly removedTraitsColumn?: string;
  /** `--signal <column>`: each written `"<column>"="<value>"`. */
  readonly signals: readonly string[];
  readonly dpid?: number;
  /** The customer's data source of a device-ID file (needed with DPID 20914 or 20915). */
  readonly targetDpid?: number;
  readonly mode: 'sync' | 'overwrite';
}

/** The output files: names, splits, partitions (`--name` stays `transport.name`). */
export interface FilesConfig {
  readonly splitRows?: number;
  /** Uncompressed bytes per part, also when the parts are gzipped (AAM's rule). */
  readonly splitBytes?: number;
  readonly partitionBy?: string;
  /** Distinct `--partition-by` values a run may write (the Campaign destination's audience limit). */
  readonly maxAudiences: number;
  /** Unix seconds for the names' time (default: the run's start). */
  readonly timestamp?: number;
  readonly destination?: string;
  readonly segment?: string;
  /** Also write the AAM transfer-control `.info` of the files written. */
  readonly writeInfo: boolean;
  /** Gzip the output files even when their names do not end in `.gz`. */
  readonly gzip: boolean;
}

/** The Campaign destination's guardrails. */
export interface GuardrailsConfig {
  /** Columns that must not be empty (a record without one is rejected `missing_mandatory`). */
  readonly mandatory: readonly string[];
  /** One or two columns: one record per key value, compared as output. */
  readonly dedupKey?: readonly string[];
  /** The column whose greatest value wins among duplicates (default: the first in input order). */
  readonly dedupOrder?: string;
  /** Where deduplicated records are written (the reject file's columns). */
  readonly duplicates?: string;
  readonly membershipStatus?: 'realized' | 'exited';
  /** Output fields allowed, not counting segmentMembershipStatus. */
  readonly maxFields: number;
}

export interface ProcessConfig {
  readonly in: string;
  readonly out: string;
  /** Every transformed column with its op and parameters: hashes, then encrypts, then decrypts, each in flag order. */
  readonly ops: readonly OpSpec[];
  /** `--cipher-encoding`: the ciphertext encoding of the unnamed key's columns (each op carries its own). */
  readonly cipherEncoding: 'hex' | 'base64';
  /** Single bytes. */
  readonly delimiter: number;
  readonly escape: number;
  readonly workers: number;
  readonly chunkSize: number;
  readonly maxRecordBytes: number;
  readonly maxRejects: MaxRejects;
  readonly rejects?: string;
  readonly report?: string;
  readonly logLevel: string;
  /** True when a run without any change to the data is meant (src/config/passthrough.ts). */
  readonly passthrough: boolean;
  readonly transport: TransportConfig;
  readonly secrets: Secrets;
  /** `--from`: the input's format. */
  readonly from: FormatName;
  /** `--to`: the output's format (default: the input's; `csv` for `aam-outbound`). */
  readonly to: FormatName;
  readonly aamOutbound: AamOutboundConfig;
  /** `--select`: the output columns in order; undefined keeps every column in input order. */
  readonly select?: readonly SelectedColumn[];
  readonly aamInbound: AamInboundConfig;
  readonly files: FilesConfig;
  readonly guardrails: GuardrailsConfig;
  /** `--info`: the batch's transfer-control file (a path or URL). */
  readonly info?: string;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The options of one run, as a config file, the library's `processFile` and (camelCased) the
 * flags give them; a config file may spell each key in the flags' kebab-case too. Numbers and
 * sizes may be text (`"4MiB"`), repeatable options one text or a list. Checked by the schema of
 * src/config/schema.ts, which this type mirrors.
 */
export interface ProcessOptions {
  /** A file, `-` for stdin (default), `sftp://user@host/path`, `account:NAME`, `https://...`. */
  in?: string;
  /** A file (`.gz` to gzip), `-` for stdout (default), `sftp://...`, `account:NAME`, an Azure Blob SAS URL. */
  out?: string;
  /** `<column>=<method>`: `email_lc_sha256`, `phone_sha256`, `phone_sha256_e164`, `sha256`, `sha256_lc`. */
  hash?: string | readonly string[];
  /** `<column>` (the key of --aes-key-file / AUDIENCE_PIPE_AES_KEY and --aes-iv) or `<column>=<key name>` (a key of `keys`). */
  encrypt?: string | readonly string[];
  decrypt?: string | readonly string[];
  aesKeyFile?: string;
  /** 16 bytes in hex. */
  aesIv?: string;
  cipherEncoding?: 'hex' | 'base64';
  defaultCountry?: string;
  delimiter?: string;
  escape?: string;
  workers?: number | string;
  chunkSize?: number | string;
  maxRecordBytes?: number | string;
  /** A count, a percentage (`"5%"`) or `"none"`; default `"50%"`. */
  maxRejects?: number | string;
  rejects?: string;
  report?: string;
  logLevel?: LogLevel;
  config?: string;
  name?: string;
  sftpKey?: string;
  sftpHostKey?: string;
  knownHosts?: string;
  sftpInsecureAcceptAnyHostKey?: boolean | 'true' | 'false' | '1' | '0';
  retries?: number | string;
  deleteAfter?: boolean | 'true' | 'false' | '1' | '0';
  moveAfter?: string;
  tmpDir?: string;
  progress?: boolean | 'true' | 'false' | '1' | '0';
  /** CLI only: `json` (NDJSON) or `pretty`; the default is pretty when stderr is a terminal. */
  logFormat?: 'json' | 'pretty';
  /** CLI only: check everything on a sample of the input and write nothing. */
  dryRun?: boolean | 'true' | 'false' | '1' | '0';
  /** Allow a run that changes nothing: the output is a copy of the input. */
  passthrough?: boolean | 'true' | 'false' | '1' | '0';
  accounts?: Readonly<Record<string, SftpAccount>>;
  /** Named AES keys (config file only), used as `--encrypt <column>=<name>` / `--decrypt <column>=<name>`. */
  keys?: Readonly<Record<string, KeyEntry>>;
  /** `csv` (default), `aep-csv`, `aam-outbound`, `aam-inbound`. */
  from?: string;
  /** `csv`, `aep-csv`, `aam-inbound` (default: the input's format; `csv` for `aam-outbound`). */
  to?: string;
  /** AAM outbound: one character between fields (default: runs of whitespace). */
  fieldSeparator?: string;
  /** AAM outbound: between the segments of a list (default `,`). */
  listSeparator?: string;
  /** `<column>[:<new name>]`, comma-separated or a list. */
  select?: string | readonly string[];
  /** `<column>=ecid|gaid|idfa|external_id`. */
  idType?: string | readonly string[];
  idColumn?: string;
  trait?: string | readonly string[];
  traitsColumn?: string;
  removedTraitsColumn?: string;
  signal?: string | readonly string[];
  dpid?: number | string;
  targetDpid?: number | string;
  mode?: 'sync' | 'overwrite';
  splitRows?: number | string;
  splitBytes?: number | string;
  partitionBy?: string;
  maxAudiences?: number | string;
  timestamp?: number | string;
  destination?: string;
  segment?: string;
  writeInfo?: boolean | 'true' | 'false' | '1' | '0';
  gzip?: boolean | 'true' | 'false' | '1' | '0';
  mandatory?: string | readonly string[];
  /** One or two columns, `a` or `a,b`. */
  dedupKey?: string | readonly string[];
  dedupOrder?: string;
  duplicates?: string;
  membershipStatus?: 'realized' | 'exited';
  maxFields?: number | string;
  info?: string;
  /** Where a config file's JSON Schema is (`audience-pipe config-schema`); ignored. */
  $schema?: string;
}

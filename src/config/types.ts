import type { OpName } from '../protocol/messages.js';

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
  /** Where a config file's JSON Schema is (`audience-pipe config-schema`); ignored. */
  $schema?: string;
}

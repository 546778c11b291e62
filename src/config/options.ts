/**
 * Every option of `process`, by its config-file key (the flag's long name in camelCase), and how
 * an environment variable gives it. The flags, the config file's keys and the environment
 * variables all come from this one list; a test checks that every flag of `process` is in it.
 */

/** `value`: the text as it is; `list`: repeatable, comma-separated in a variable; `switch`: true or false; `file`: config file only. */
export type OptionKind = 'value' | 'list' | 'switch' | 'file';

export const PROCESS_OPTIONS = {
  in: 'value',
  out: 'value',
  hash: 'list',
  encrypt: 'list',
  decrypt: 'list',
  aesKeyFile: 'value',
  aesIv: 'value',
  cipherEncoding: 'value',
  defaultCountry: 'value',
  delimiter: 'value',
  escape: 'value',
  workers: 'value',
  chunkSize: 'value',
  maxRecordBytes: 'value',
  maxRejects: 'value',
  rejects: 'value',
  report: 'value',
  logLevel: 'value',
  config: 'value',
  name: 'value',
  sftpKey: 'value',
  sftpHostKey: 'value',
  knownHosts: 'value',
  sftpInsecureAcceptAnyHostKey: 'switch',
  retries: 'value',
  deleteAfter: 'switch',
  moveAfter: 'value',
  tmpDir: 'value',
  progress: 'switch',
  passthrough: 'switch',
  logFormat: 'value',
  dryRun: 'switch',
  from: 'value',
  to: 'value',
  fieldSeparator: 'value',
  listSeparator: 'value',
  select: 'list',
  idType: 'list',
  idColumn: 'value',
  trait: 'list',
  traitsColumn: 'value',
  removedTraitsColumn: 'value',
  signal: 'list',
  dpid: 'value',
  targetDpid: 'value',
  mode: 'value',
  splitRows: 'value',
  splitBytes: 'value',
  partitionBy: 'value',
  maxAudiences: 'value',
  timestamp: 'value',
  destination: 'value',
  segment: 'value',
  writeInfo: 'switch',
  gzip: 'switch',
  mandatory: 'list',
  dedupKey: 'list',
  dedupOrder: 'value',
  duplicates: 'value',
  membershipStatus: 'value',
  maxFields: 'value',
  info: 'value',
  accounts: 'file',
  keys: 'file',
} as const satisfies Record<string, OptionKind>;

export type ProcessOptionKey = keyof typeof PROCESS_OPTIONS;

/** Every key `process` accepts, from flags, the environment or the config file. */
export const PROCESS_OPTION_KEYS = Object.keys(PROCESS_OPTIONS) as ProcessOptionKey[];

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const camel = (key: string): string => key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Option values as they came from one layer, keyed by the flag's long name in camelCase. */
export type RawOptions = Record<string, unknown>;

/**
 * The one schema of a run's options: flags (camelCased), environment variables, the config file
 * and the library's `processFile` all give this shape, and it turns them into checked values.
 * zod costs the CLI about 18 MB of RSS to load: it is required on the first call, so only a
 * command that builds a configuration pays, and never the worker side (which imports no config).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { z as Z } from 'zod';
import { kebab, type ProcessOptionKey } from './options.js';
import type { ProcessOptions, SftpAccount } from './types.js';
import { aesIv, BadValue, byteSize, fieldSeparator, hashSpec, idTypeSpec, maxRejects, selectSpec, singleByte, wholeNumber } from './values.js';
import { FORMAT_NAMES } from '../formats/registry.js';

const lazyRequire = createRequire(import.meta.url);

/** The formats `--to` can write (AAM outbound is what AAM writes: read only). */
const WRITABLE = FORMAT_NAMES.filter((n) => n !== 'aam-outbound');

/** `--dedup-key`: one or two columns. */
function dedupKey(items: readonly string[]): string[] {
  const columns = items.flatMap((i) => i.split(',')).map((c) => c.trim()).filter(Boolean);
  if (columns.length === 0 || columns.length > 2) throw new BadValue(`must name one or two columns, got ${columns.length}`);
  return columns;
}

function build(z: typeof Z) {
  /** Runs a value parser; its BadValue becomes the issue's message. */
  const parsed = <I, O>(parse: (value: I) => O) => (value: I, ctx: Z.RefinementCtx): O => {
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof BadValue)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  };

  const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const text = (description: string) => z.string({ error: 'expected text' }).describe(description);
  const texts = (description: string) =>
    z.union([z.string(), z.array(z.string())], { error: 'expected text or a list of text' }).describe(description)
      .optional().transform((v): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v));
  const numberLike = (description: string) => z.union([z.number(), z.string()], { error: 'expected a number' }).describe(description);
  const toggle = (description: string) =>
    z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'expected true or false' }).describe(description)
      .optional().transform((v) => v === true || v === 'true' || v === '1');
  const whole = (description: string, min: number, fallback: () => number) =>
    numberLike(description).optional().transform(parsed((v) => (v === undefined ? fallback() : wholeNumber(v, min))));
  const size = (description: string) => numberLike(description).optional().transform(parsed((v) => (v === undefined ? 1 << 20 : byteSize(v))));
  const byte = (description: string, fallback: string) => text(description).optional().transform(parsed((v) => singleByte(v ?? fallback)));

  const account = z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1),
    privateKeyFile: z.string().optional(),
    hostKey: z.string().optional(),
    dir: z.string().optional(),
  }) satisfies Z.ZodType<SftpAccount>;

  const keyEntry = z.strictObject({
    keyFile: z.string().min(1).describe('file holding the key in hex'),
    iv: z.string().describe('16 bytes in hex').transform(parsed(aesIv)),
    cipherEncoding: z.enum(['hex', 'base64'], { error: 'must be hex or base64' }).describe('ciphertext text encoding of the columns using this key (default: cipher-encoding)').optional(),
  });

  const shape = {
    in: text('input: a file, - for stdin, sftp://user@host/path, account:NAME, https://...').optional(),
    out: text('output: a file (.gz to gzip), - for stdout, sftp://..., account:NAME, an Azure Blob SAS URL').optional(),
    hash: z.union([z.string(), z.array(z.string())], { error: 'expected <column>=<method> or a list of them' })
      .describe('<column>=<method>, method: email_lc_sha256, phone_sha256, phone_sha256_e164, sha256, sha256_lc')
      .optional().transform(parsed((v) => (v === undefined ? [] : typeof v === 'string' ? [v] : v).map(hashSpec))),
    encrypt: texts('columns to AES-CBC encrypt: <column>, or <column>=<key name> for a key of keys'),
    decrypt: texts('columns to AES-CBC decrypt: <column>, or <column>=<key name> for a key of keys'),
    aesKeyFile: text('file holding the AES key in hex').optional(),
    aesIv: text('AES IV, 16 bytes in hex').optional().transform(parsed((v) => (v === undefined ? undefined : aesIv(v)))),
    cipherEncoding: z.enum(['hex', 'base64'], { error: 'must be hex or base64' }).describe('ciphertext text encoding').optional().transform((v) => v ?? 'hex'),
    defaultCountry: text('ISO 3166-1 alpha-2 country for phone numbers written without a country code').optional().transform((v) => v?.toUpperCase()),
    delimiter: byte('field delimiter, one ASCII character', ','),
    escape: byte('escape character inside quotes: " (RFC 4180) or \\', '"'),
    workers: whole('worker threads', 1, availableParallelism),
    chunkSize: size('bytes per chunk sent to a worker (65536, 512KiB, 4MiB)'),
    maxRecordBytes: size('longest record accepted (65536, 512KiB, 4MiB)'),
    maxRejects: numberLike('rejected records a run tolerates: a count, a percentage (5%) or none').optional().transform(parsed(maxRejects)),
    rejects: text('reject file (CSV: line,column,reason,record)').optional(),
    report: text('run report (JSON)').optional(),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).describe('log level').optional().transform((v) => v ?? 'info'),
    config: text('another config file (flags only)').optional(),
    name: text('output file name when out is a directory').optional(),
    sftpKey: text('SSH private key file').optional(),
    sftpHostKey: text('pinned SFTP host key, SHA256:...').optional(),
    knownHosts: text('OpenSSH known_hosts file').optional(),
    sftpInsecureAcceptAnyHostKey: toggle('accept any SFTP host key (warned on every run)'),
    retries: whole('transport retries', 0, () => 3),
    deleteAfter: toggle('delete the remote input files once the run has succeeded'),
    moveAfter: text('move the remote input files to this directory once the run has succeeded').optional(),
    tmpDir: text('where the local spool of a remote output goes').optional(),
    progress: toggle('progress line on stderr when it is a terminal (CLI only)'),
    logFormat: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).describe('log format: json (NDJSON) or pretty (default: pretty on a terminal; CLI only)').optional(),
    dryRun: toggle('check the configuration, targets and a sample of the input, write nothing (CLI only)'),
    passthrough: toggle('allow a run that changes nothing: the output is a copy of the input'),
    from: z.enum(FORMAT_NAMES, { error: `must be one of ${FORMAT_NAMES.join(', ')}` }).describe('input format').optional().transform((v) => v ?? 'csv'),
    to: z.enum(WRITABLE, { error: `must be one of ${WRITABLE.join(', ')}` }).describe('output format (default: the input\'s; csv for aam-outbound)').optional(),
    fieldSeparator: text('AAM outbound: one character between fields, or whitespace (default: runs of spaces and tabs)').optional().transform(parsed((v) => (v === undefined ? undefined : fieldSeparator(v)))),
    listSeparator: byte('AAM outbound: the character between the segments of a list', ','),
    select: texts('output columns in order: <column>[:<new name>], comma-separated').transform(parsed((v) => (v.length === 0 ? undefined : selectSpec(v)))),
    idType: texts('<column>=ecid|gaid|idfa|external_id: validate and normalise a raw identity column').transform(parsed((v) => v.map(idTypeSpec))),
    idColumn: text('AAM inbound: the column of the user IDs').optional(),
    trait: texts('AAM inbound: a constant trait token every row carries, such as d_sid=123'),
    traitsColumn: text('AAM inbound: a column of comma-separated trait IDs, each written d_sid=<id>').optional(),
    removedTraitsColumn: text('AAM inbound: a column of comma-separated trait IDs, each written d_unsid=<id>').optional(),
    signal: texts('AAM inbound: a column written as "<column>"="<value>"'),
    dpid: numberLike('AAM inbound: the data provider ID of the file').optional().transform(parsed((v) => (v === undefined ? undefined : wholeNumber(v, 1)))),
    targetDpid: numberLike('AAM inbound: the customer\'s data source of a device-ID file (DPID 20914 or 20915)').optional().transform(parsed((v) => (v === undefined ? undefined : wholeNumber(v, 1)))),
    mode: z.enum(['sync', 'overwrite'], { error: 'must be sync or overwrite' }).describe('AAM inbound: sync or overwrite').optional().transform((v) => v ?? 'sync'),
    splitRows: numberLike('records per output file at most').optional().transform(parsed((v) => (v === undefined ? undefined : wholeNumber(v, 1)))),
    splitBytes: numberLike('uncompressed bytes per output file at most (1GB, 512MiB)').optional().transform(parsed((v) => (v === undefined ? undefined : byteSize(v)))),
    partitionBy: text('one output file (or split series) per distinct value of this column').optional(),
    maxAudiences: whole('distinct --partition-by values a run may write', 1, () => 25),
    timestamp: numberLike('unix seconds used in output names (default: now)').optional().transform(parsed((v) => (v === undefined ? undefined : wholeNumber(v, 0)))),
    destination: text('AEP-style names: the destination').optional(),
    segment: text('AEP-style names: the segment ID').optional(),
    writeInfo: toggle('also write the AAM transfer-control .info file of the output files'),
    gzip: toggle('gzip the output files even when their names do not end in .gz'),
    mandatory: texts('a column that must not be empty (repeatable)'),
    dedupKey: texts('one record per value of this column (or two, comma-separated)').transform(parsed((v) => (v.length === 0 ? undefined : dedupKey(v)))),
    dedupOrder: text('among duplicates the greatest value of this column wins (default: the first in input order)').optional(),
    duplicates: text('file of the deduplicated records (CSV: line,column,reason,record)').optional(),
    membershipStatus: z.enum(['realized', 'exited'], { error: 'must be realized or exited' }).describe('adds a segmentMembershipStatus column with this value').optional(),
    maxFields: whole('output fields allowed, not counting segmentMembershipStatus', 1, () => 20),
    info: text('the batch\'s transfer-control .info file (a path or URL)').optional(),
    accounts: z.record(z.string(), account).describe('named SFTP accounts, used as account:NAME').optional().transform((v) => v ?? {}),
    keys: z.record(z.string(), keyEntry).describe('named AES keys (key file and IV each), used as --encrypt/--decrypt <column>=<name>').optional().transform((v) => v ?? {}),
  } satisfies Record<ProcessOptionKey, Z.ZodType>;

  const options = z.strictObject({ ...shape, $schema: z.string().optional() });
    return { z, shape, options };
}

let built: ReturnType<typeof build> | undefined;
const schemas = (): ReturnType<typeof build> => (built ??= build((lazyRequire('zod') as typeof import('zod')).z));

/** The strict schema of every option `process` takes (and `$schema`, for config files). */
export const processOptionsSchema = (): ReturnType<typeof build>['options'] => schemas().options;

/** ProcessOptions says what the schema takes: the same keys, and nothing it would refuse by type. */
type Mirrors<Input> = [keyof Input] extends [keyof ProcessOptions] ? ([keyof ProcessOptions] extends [keyof Input] ? (Input extends ProcessOptions ? true : false) : false) : false;
const mirrors: Mirrors<Z.input<ReturnType<typeof processOptionsSchema>>> = true;
void mirrors;

/** The first problem, as `--<option>: <what is wrong> (got <value>)`. */
export function describeIssue(error: Z.ZodError, input: Record<string, unknown>): { message: string; option: string } {
  const issue = error.issues[0];
  const [key, ...rest] = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') return { message: `unknown key '${issue.keys[0]}'`, option: 'config' };
  const fileOnly = key === 'accounts' || key === 'keys';
  const option = fileOnly ? 'config' : kebab(key ?? 'config');
  const where = fileOnly ? `--config: ${key}.${rest.join('.')}` : `--${option}${rest.map((p) => `[${p}]`).join('')}`;
  if (issue.code === 'custom') return { message: `${where}: ${issue.message}`, option };
  let value: unknown = input;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const got = JSON.stringify(value) ?? String(value);
  return { message: `${where}: ${issue.message} (got ${got.length > 60 ? `${got.slice(0, 57)}...` : got})`, option };
}

/**
 * JSON Schema of a config file, for editors and checkers: the keys in camelCase and in the
 * flags' kebab-case, both accepted.
 */
export function configFileJsonSchema(): Record<string, unknown> {
  const { z, shape } = schemas();
  const fileKeys = Object.fromEntries(Object.entries(shape).filter(([key]) => key !== 'config' && key !== 'progress'));
  const schema = z.toJSONSchema(z.strictObject({ ...fileKeys, $schema: z.string().optional() }), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const properties = schema.properties as Record<string, unknown>;
  for (const key of Object.keys(properties)) if (kebab(key) !== key) properties[kebab(key)] = properties[key];
  return { ...schema, title: 'audience-pipe process config file' };
}

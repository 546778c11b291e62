/**
 * Reads and checks a reconciliation job file (issue #12, "The job file") once, at start: one
 * zod schema for the shape, then the checks across keys. Every error is a ConfigError
 * (ERR_JOB, exit 2) naming the key path, `--job: dataSources[1].protection.aes.iv: ...`.
 * Relative paths resolve against the job file's directory. Secrets come from files and
 * environment variables only, and never appear in a message, a log or the job's JSON.
 *
 * zod is required on the first call, as src/config/schema.ts does, so that only a command that
 * reads a job pays for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z as Z } from 'zod';
import { ConfigError } from '../errors/errors.js';
import { ENV } from '../config/env.js';
import { deepFreeze, hideKeys } from '../config/freeze.js';
import { nearestName } from '../config/nearest.js';
import { HASH_METHODS } from '../config/types.js';
import { aesIv, aesKey, BadValue } from '../config/values.js';
import type { DataSource, PgPassword, ProfilesSpec, ProfileTableSpec, Protection, ReconcileJob } from './job-types.js';

const lazyRequire = createRequire(import.meta.url);

/** PostgreSQL's own variable, read when AUDIENCE_PIPE_PG_PASSWORD is not set. */
const PG_OWN_PASSWORD = 'PGPASSWORD';

function build(z: typeof Z) {
  const name = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `${what} must not be empty` });
  const column = name('a column name');
  const object = { error: 'expected an object' };
  const aes = z.strictObject({
    keyFile: name('a file name').optional(),
    keyEnv: name('an environment variable name').optional(),
    iv: z.string({ error: 'expected 32 hex digits' }),
    cipherEncoding: z.enum(['hex', 'base64'], { error: 'must be hex or base64' }).optional(),
  }, object);
  const protection = z.strictObject({
    hash: z.enum(HASH_METHODS, { error: `must be one of ${HASH_METHODS.join(', ')}` }).optional(),
    aes: aes.optional(),
    channel: z.enum(['email', 'sms', 'other'], { error: 'must be email, sms or other' }).optional(),
  }, object);
  const dataSource = z.strictObject({
    label: name('a label'),
    alias: name('an alias'),
    dpid: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
    type: z.enum(['declared', 'visitor'], { error: 'must be declared or visitor' }),
    key: column,
    protection: protection.optional(),
    priority: z.number({ error: 'expected a number' }).int({ error: 'expected a whole number' }),
  }, object);
  const profiles = z.strictObject({
    path: name('a file name').optional(),
    postgres: z.strictObject({ url: name('a postgres:// URL'), query: name('a query') }, object).optional(),
    id: column,
    email: column.optional(),
    phone: column.optional(),
    defaultCountry: z.string({ error: 'expected an ISO 3166-1 alpha-2 country code' }).trim().optional(),
    fields: z.array(column, { error: 'expected a list of column names' }),
  }, object);
  const job = z.strictObject({
    $schema: z.string().optional(),
    profiles,
    dataSources: z.array(dataSource, { error: 'expected a list of data sources' }).min(1, { error: 'needs at least one data source' }),
  });
  return { job };
}

let built: ReturnType<typeof build> | undefined;
const schemas = (): ReturnType<typeof build> => (built ??= build((lazyRequire('zod') as typeof import('zod')).z));
type RawJob = Z.output<ReturnType<typeof build>['job']>;

/** `dataSources[1].protection.aes.iv` */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

const fail = (path: readonly PropertyKey[], message: string): never => {
  throw new ConfigError(`--job: ${path.length === 0 ? '' : `${keyPath(path)}: `}${message}`, 'job', undefined, 'ERR_JOB');
};

/** The keys a strict object of the schema takes at `path`, for "did you mean". */
function keysAt(path: readonly PropertyKey[]): readonly string[] {
  const last = path.filter((p) => typeof p === 'string').at(-1);
  const table: Record<string, readonly string[]> = {
    '': ['profiles', 'dataSources', '$schema'],
    profiles: ['path', 'postgres', 'id', 'email', 'phone', 'defaultCountry', 'fields'],
    postgres: ['url', 'query'],
    dataSources: ['label', 'alias', 'dpid', 'type', 'key', 'protection', 'priority'],
    protection: ['hash', 'aes', 'channel'],
    aes: ['keyFile', 'keyEnv', 'iv', 'cipherEncoding'],
  };
  return table[last ?? ''] ?? [];
}

/** The first issue as one message: its key path, what is wrong, and the value when it shows no secret. */
function describe(error: Z.ZodError, input: unknown): never {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const near = nearestName(issue.keys[0], keysAt(issue.path));
    fail(issue.path, `unknown key '${issue.keys[0]}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`);
  }
  let value: unknown = input;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
  const got = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return fail(issue.path, `${issue.message} (got ${got.length > 60 ? `${got.slice(0, 57)}...` : got})`);
}

/** Reads, parses and checks the job file at `path`. */
export function loadJobFile(path: string, env: NodeJS.ProcessEnv = process.env): ReconcileJob {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--job: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'job', err, 'ERR_JOB');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--job: ${path} is not valid JSON: ${(err as Error).message}`, 'job', err, 'ERR_JOB');
  }
  return parseJob(raw, { baseDir: dirname(file), file, env });
}

/**
 * Checks a job given as a value (the library's way, and what `loadJobFile` does once the file
 * is parsed): relative paths resolve against `baseDir`.
 */
export function parseJob(raw: unknown, opts: { baseDir: string; file?: string; env?: NodeJS.ProcessEnv }): ReconcileJob {
  const env = opts.env ?? process.env;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail([], 'the job must be a JSON object');
  const parsed = schemas().job.safeParse(raw);
  if (!parsed.success) describe(parsed.error, raw);
  const job = (parsed as { data: RawJob }).data;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const profiles = readProfiles(job.profiles, at, env);
  const dataSources = job.dataSources.map((s, i) => readSource(s, i, profiles, at, env));
  checkAcross(dataSources);
  return deepFreeze({ file: opts.file, profiles, dataSources });
}

function readProfiles(p: RawJob['profiles'], at: (path: string) => string, env: NodeJS.ProcessEnv): ProfilesSpec {
  if ((p.path === undefined) === (p.postgres === undefined)) fail(['profiles'], "give either 'path' (a CSV file) or 'postgres' ({ url, query }), not both or neither");
  let table: ProfileTableSpec;
  if (p.postgres !== undefined) {
    const url = checkPgUrl(p.postgres.url);
    table = { kind: 'postgres', url, query: p.postgres.query, password: readPassword(env) };
  } else {
    table = { kind: 'csv', path: at(p.path as string) };
  }
  const seen = new Set<string>([p.id]);
  p.fields.forEach((f, i) => {
    if (seen.has(f)) fail(['profiles', 'fields', i], `'${f}' is listed twice (profiles.id is always kept)`);
    seen.add(f);
  });
  return { table, id: p.id, email: p.email, phone: p.phone, defaultCountry: readCountry(p.defaultCountry), fields: p.fields };
}

/**
 * profiles.defaultCountry: the plan of the table's national phone numbers (without it, a number
 * with neither '+' nor '00' is an invalid key), checked as process's --default-country is: two
 * letters (either case) of a country libphonenumber-js has a numbering plan for.
 */
function readCountry(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const code = value.toUpperCase();
  const isSupportedCountry = (c: string): boolean => (lazyRequire('libphonenumber-js') as typeof import('libphonenumber-js')).isSupportedCountry(c);
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
    fail(['profiles', 'defaultCountry'], `'${value}' is not an ISO 3166-1 alpha-2 country with a phone numbering plan`);
  }
  return code;
}

/** A postgres:// or postgresql:// URL with no password in it; the message never shows the URL, which may hold one. */
function checkPgUrl(url: string): string {
  const where = ['profiles', 'postgres', 'url'];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(where, 'not a URL (expected postgres://user@host:5432/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') fail(where, `expected postgres:// or postgresql://, got ${parsed.protocol}//`);
  if (parsed.password !== '') fail(where, `a password in the URL is refused: secrets never live in the job file; set ${ENV.pgPassword} or ${PG_OWN_PASSWORD}`);
  if (parsed.searchParams.has('password')) fail(where, `a password parameter is refused: set ${ENV.pgPassword} or ${PG_OWN_PASSWORD}`);
  return url;
}

function readPassword(env: NodeJS.ProcessEnv): PgPassword | undefined {
  const own = env[ENV.pgPassword];
  const value = own !== undefined && own !== '' ? own : env[PG_OWN_PASSWORD];
  if (value === undefined || value === '') return undefined;
  const secret = { reveal: () => value };
  const shown = () => '[set]';
  Object.defineProperty(secret, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(secret, Symbol.for('nodejs.util.inspect.custom'), { value: shown, enumerable: false });
  Object.defineProperty(secret, 'reveal', { enumerable: false });
  return secret;
}

function readSource(s: RawJob['dataSources'][number], i: number, profiles: ProfilesSpec, at: (p: string) => string, env: NodeJS.ProcessEnv): DataSource {
  const where = ['dataSources', i, 'protection'];
  const p = s.protection;
  let protection: Protection = { kind: 'none' };
  if (p !== undefined) {
    if (s.type === 'visitor') fail(where, 'a visitor ID data source is matched as received: it takes no protection');
    if ((p.hash === undefined) === (p.aes === undefined)) fail(where, "give either 'hash' (a hash method) or 'aes' (with 'channel')");
    if (p.hash !== undefined) {
      if (p.channel !== undefined) fail([...where, 'channel'], "goes with 'aes' only: a hashed key is matched on the key column");
      protection = { kind: 'hash', method: p.hash };
    } else {
      const a = p.aes as NonNullable<typeof p.aes>;
      if (p.channel === undefined) fail([...where, 'channel'], "required with 'aes': email, sms or other");
      const channel = p.channel as 'email' | 'sms' | 'other';
      if (channel === 'email' && profiles.email === undefined) fail([...where, 'channel'], "channel email matches on the e-mail column: profiles.email must name it");
      if (channel === 'sms' && profiles.phone === undefined) fail([...where, 'channel'], "channel sms matches on the phone column: profiles.phone must name it");
      const key = readKey(a, [...where, 'aes'], at, env);
      let iv: Buffer;
      try {
        iv = aesIv(a.iv);
      } catch (err) {
        if (!(err instanceof BadValue)) throw err;
        return fail([...where, 'aes', 'iv'], err.message);
      }
      const pair = hideKeys({ [s.alias]: { key, iv } })[s.alias];
      protection = hiddenAes(pair, a.cipherEncoding ?? 'hex', channel);
    }
  }
  return { label: s.label, alias: s.alias, dpid: s.dpid, type: s.type, key: s.key, protection, priority: s.priority };
}

/** The AES protection with `key` and `iv` read through the hidden pair (copies, never shown). */
function hiddenAes(pair: { readonly key: Buffer; readonly iv: Buffer }, encoding: 'hex' | 'base64', channel: 'email' | 'sms' | 'other'): Protection {
  const out = { kind: 'aes', encoding, channel } as Record<string, unknown>;
  Object.defineProperty(out, 'key', { get: () => pair.key, enumerable: false });
  Object.defineProperty(out, 'iv', { get: () => pair.iv, enumerable: false });
  return out as unknown as Protection;
}

function readKey(a: { keyFile?: string; keyEnv?: string }, where: (string | number)[], at: (p: string) => string, env: NodeJS.ProcessEnv): Buffer {
  if ((a.keyFile === undefined) === (a.keyEnv === undefined)) fail(where, "give either 'keyFile' (a file holding the key in hex) or 'keyEnv' (the variable holding it)");
  let text: string;
  let keyWhere: (string | number)[];
  if (a.keyFile !== undefined) {
    keyWhere = [...where, 'keyFile'];
    try {
      text = readFileSync(at(a.keyFile), 'utf8');
    } catch (err) {
      return fail(keyWhere, `cannot read ${a.keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    keyWhere = [...where, 'keyEnv'];
    const value = env[a.keyEnv as string];
    if (value === undefined || value === '') return fail(keyWhere, `the variable ${a.keyEnv} is not set`);
    text = value;
  }
  try {
    // aesKey's message gives the length and whether it is hex, never the key.
    return aesKey(text);
  } catch (err) {
    if (!(err instanceof BadValue)) throw err;
    return fail(keyWhere, err.message);
  }
}

function checkAcross(sources: readonly DataSource[]): void {
  const aliases = new Map<string, number>();
  const dpids = new Map<number, number>();
  sources.forEach((s, i) => {
    const first = aliases.get(s.alias);
    if (first !== undefined) fail(['dataSources', i, 'alias'], `'${s.alias}' is also the alias of dataSources[${first}]: aliases are unique`);
    aliases.set(s.alias, i);
    if (s.dpid !== undefined) {
      const same = dpids.get(s.dpid);
      if (same !== undefined) fail(['dataSources', i, 'dpid'], `${s.dpid} is also the DPID of dataSources[${same}]: a file's DPID must name one source`);
      dpids.set(s.dpid, i);
    }
  });
}

/**
 * Turns flags, environment and a JSON config file into one frozen, validated ProcessConfig.
 * Precedence: flags over environment over config file over defaults. Every error names the
 * option; no message ever contains a secret's value.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.js';
import { ENV } from './env.js';
import { nearestName } from './nearest.js';
import { checkPassthrough } from './passthrough.js';
import { camel, kebab, PROCESS_OPTION_KEYS, type RawOptions } from './options.js';
import { HASH_METHODS, type HashMethod, type HashSpec, type MaxRejects, type ProcessConfig, type Secrets, type SftpAccount } from './types.js';

export type { RawOptions };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * zod and libphonenumber-js cost the CLI about 18 MB each just to load: they are loaded only
 * when a config names accounts or a default country. createRequire keeps this module synchronous.
 */
const lazyRequire = createRequire(import.meta.url);

function accountsSchema(): import('zod').ZodType<Record<string, SftpAccount>> {
  const { z } = lazyRequire('zod') as typeof import('zod');
  const account = z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1),
    privateKeyFile: z.string().optional(),
    hostKey: z.string().optional(),
    dir: z.string().optional(),
  });
  return z.record(z.string(), account);
}

/** Reads a JSON config file whose keys are the flags' long names (kebab-case or camelCase). */
export function readConfigFile(path: string): RawOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'config', err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--config: ${path} is not valid JSON: ${(err as Error).message}`, 'config', err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`--config: ${path} must hold a JSON object`, 'config');
  }
  const out: RawOptions = {};
  for (const [key, value] of Object.entries(parsed)) out[camel(key)] = value;
  return out;
}

/** Parses `1048576`, `4MiB`, `512KiB`, `1MB`, `64k`. */
export function parseByteSize(value: unknown, option: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(String(value));
  if (!m) throw new ConfigError(`--${option}: '${String(value)}' is not a size (examples: 65536, 512KiB, 4MiB)`, option);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor: Record<string, number> = { b: 1, k: 1024, kb: 1000, kib: 1024, m: 1 << 20, mb: 1e6, mib: 1 << 20, g: 1 << 30, gb: 1e9, gib: 1 << 30 };
  const bytes = Math.floor(Number(m[1]) * factor[unit]);
  if (bytes < 1) throw new ConfigError(`--${option}: must be at least 1 byte`, option);
  return bytes;
}

function list(value: unknown, option: string): string[] {
  if (value === undefined) return [];
  const arr = Array.isArray(value) ? value : [value];
  for (const v of arr) if (typeof v !== 'string') throw new ConfigError(`--${option}: expected text values, got ${JSON.stringify(v)}`, option);
  return arr as string[];
}

function str(value: unknown, option: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new ConfigError(`--${option}: expected a text value`, option);
  return String(value);
}

function bool(value: unknown, option: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`--${option}: expected true or false`, option);
}

function int(value: unknown, option: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${option}: '${String(value)}' is not a whole number >= ${min}`, option);
  return n;
}

function singleByte(value: unknown, option: string, fallback: string): number {
  const s = str(value, option) ?? fallback;
  const v = s === '\\t' || s === 'tab' ? '\t' : s;
  if (v.length !== 1 || v.charCodeAt(0) > 0x7f) throw new ConfigError(`--${option}: must be one ASCII character, got '${s}'`, option);
  return v.charCodeAt(0);
}

/** Hex key of 16, 24 or 32 bytes; the message never shows the key. */
export function parseAesKey(text: string, source: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]*$/.test(hex) || ![32, 48, 64].includes(hex.length)) {
    throw new ConfigError(`${source}: the AES key must be 16, 24 or 32 bytes written as 32, 48 or 64 hex digits (got ${hex.length} characters${/^[0-9a-fA-F]*$/.test(hex) ? '' : ', not all hex'})`, 'aes-key-file');
  }
  return Buffer.from(hex, 'hex');
}

/** `--max-rejects`: `none`, a count (`1000`) or a percentage of the records read (`50%`, `0.5%`). */
export function parseMaxRejects(value: unknown): MaxRejects {
  if (value === undefined) return { percent: 50 };
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return { count: value };
  const text = String(value).trim();
  if (text.toLowerCase() === 'none') return undefined;
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (pct && Number(pct[1]) <= 100) return { percent: Number(pct[1]) };
  if (/^\d+$/.test(text)) return { count: Number(text) };
  throw new ConfigError(`--max-rejects: '${text}' is not a count, a percentage up to 100% or none (examples: 1000, 5%, none)`, 'max-rejects');
}

function parseHash(spec: string): HashSpec {
  const eq = spec.lastIndexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new ConfigError(`--hash: expected <column>=<method>, got '${spec}'`, 'hash');
  const column = spec.slice(0, eq);
  const method = spec.slice(eq + 1);
  if (!HASH_METHODS.includes(method as HashMethod)) {
    throw new ConfigError(`--hash: unknown method '${method}' for column '${column}' (methods: ${HASH_METHODS.join(', ')})`, 'hash');
  }
  return { column, method: method as HashMethod };
}

/**
 * Merges the layers and validates. `cli` holds flags and environment values as commander
 * resolved them (flags win over environment there); `file` the config file's values.
 */
export function buildProcessConfig(cli: RawOptions, file: RawOptions, env: NodeJS.ProcessEnv = process.env): ProcessConfig {
  const known = new Set<string>(PROCESS_OPTION_KEYS);
  for (const key of Object.keys(file)) {
    if (!known.has(key)) throw new ConfigError(`--config: unknown key '${kebab(key)}' (did you mean '${kebab(nearestName(key, PROCESS_OPTION_KEYS)!)}'?)`, 'config');
  }
  const o: RawOptions = { ...file };
  for (const [k, v] of Object.entries(cli)) if (v !== undefined) o[k] = v;

  const hash = list(o.hash, 'hash').map(parseHash);
  const encrypt = list(o.encrypt, 'encrypt');
  const decrypt = list(o.decrypt, 'decrypt');
  const seen = new Map<string, string>();
  const claim = (column: string, what: string): void => {
    const prior = seen.get(column);
    if (prior) throw new ConfigError(`column '${column}' is named by two transforms (${prior} and ${what})`, what.split(' ')[0].slice(2));
    seen.set(column, what);
  };
  for (const h of hash) claim(h.column, `--hash ${h.method}`);
  for (const c of encrypt) claim(c, '--encrypt');
  for (const c of decrypt) claim(c, '--decrypt');

  const needsAes = encrypt.length + decrypt.length > 0;
  let aesKey: Buffer | undefined;
  let aesIv: Buffer | undefined;
  const keyFile = str(o.aesKeyFile, 'aes-key-file');
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`--aes-key-file: cannot read ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'aes-key-file');
    }
    aesKey = parseAesKey(text, '--aes-key-file');
  } else if (env[ENV.aesKey] !== undefined && env[ENV.aesKey] !== '') {
    aesKey = parseAesKey(env[ENV.aesKey]!, ENV.aesKey);
  }
  const ivText = str(o.aesIv, 'aes-iv');
  if (ivText !== undefined) {
    if (!/^[0-9a-fA-F]{32}$/.test(ivText.trim())) throw new ConfigError(`--aes-iv: the IV must be 16 bytes written as 32 hex digits (got ${ivText.trim().length} characters)`, 'aes-iv');
    aesIv = Buffer.from(ivText.trim(), 'hex');
  }
  if (needsAes && !aesKey) throw new ConfigError(`--${encrypt.length ? 'encrypt' : 'decrypt'} needs a key: --aes-key-file <path> or ${ENV.aesKey}`, encrypt.length ? 'encrypt' : 'decrypt');
  if (needsAes && !aesIv) throw new ConfigError(`--${encrypt.length ? 'encrypt' : 'decrypt'} needs an IV: --aes-iv <32 hex digits>`, 'aes-iv');

  const cipherEncoding = str(o.cipherEncoding, 'cipher-encoding') ?? 'hex';
  if (cipherEncoding !== 'hex' && cipherEncoding !== 'base64') throw new ConfigError(`--cipher-encoding: must be hex or base64, got '${cipherEncoding}'`, 'cipher-encoding');

  const defaultCountry = str(o.defaultCountry, 'default-country')?.toUpperCase();
  const isSupportedCountry = (code: string): boolean => (lazyRequire('libphonenumber-js') as typeof import('libphonenumber-js')).isSupportedCountry(code);
  if (defaultCountry !== undefined && (!/^[A-Z]{2}$/.test(defaultCountry) || !isSupportedCountry(defaultCountry))) {
    throw new ConfigError(`--default-country: '${defaultCountry}' is not an ISO 3166-1 alpha-2 country with a phone numbering plan`, 'default-country');
  }

  const logLevel = str(o.logLevel, 'log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`--log-level: must be one of ${LOG_LEVELS.join(', ')}`, 'log-level');

  let accounts: Record<string, SftpAccount> = {};
  if (o.accounts !== undefined) {
    const parsed = accountsSchema().safeParse(o.accounts);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(`--config: accounts.${issue.path.join('.')}: ${issue.message}`, 'config');
    }
    accounts = parsed.data;
  }

  const secrets: Secrets = hideSecrets({
    aesKey,
    sftpPassword: env[ENV.sftpPassword] || undefined,
    sftpPassphrase: env[ENV.sftpPassphrase] || undefined,
  });

  const config: ProcessConfig = {
    in: str(o.in, 'in') ?? '-',
    out: str(o.out, 'out') ?? '-',
    hash,
    encrypt,
    decrypt,
    aesIv,
    cipherEncoding,
    defaultCountry,
    delimiter: singleByte(o.delimiter, 'delimiter', ','),
    escape: singleByte(o.escape, 'escape', '"'),
    workers: int(o.workers, 'workers', 1, availableParallelism()),
    chunkSize: o.chunkSize === undefined ? 1 << 20 : parseByteSize(o.chunkSize, 'chunk-size'),
    maxRecordBytes: o.maxRecordBytes === undefined ? 1 << 20 : parseByteSize(o.maxRecordBytes, 'max-record-bytes'),
    maxRejects: parseMaxRejects(o.maxRejects),
    rejects: str(o.rejects, 'rejects'),
    report: str(o.report, 'report'),
    logLevel,
    passthrough: bool(o.passthrough, 'passthrough'),
    transport: {
      name: str(o.name, 'name'),
      sftpKey: str(o.sftpKey, 'sftp-key'),
      sftpHostKey: str(o.sftpHostKey, 'sftp-host-key'),
      knownHosts: str(o.knownHosts, 'known-hosts'),
      sftpInsecureAcceptAnyHostKey: bool(o.sftpInsecureAcceptAnyHostKey, 'sftp-insecure-accept-any-host-key'),
      retries: int(o.retries, 'retries', 0, 3),
      deleteAfter: bool(o.deleteAfter, 'delete-after'),
      moveAfter: str(o.moveAfter, 'move-after'),
      tmpDir: str(o.tmpDir, 'tmp-dir'),
      accounts,
    },
    secrets,
  };
  if (config.delimiter === config.escape && config.escape !== 0x22) throw new ConfigError('--escape: must differ from --delimiter', 'escape');
  if (config.delimiter === 0x22) throw new ConfigError('--delimiter: the quote character cannot be the delimiter', 'delimiter');
  checkPassthrough(config);
  return Object.freeze(config);
}


/** Makes secrets invisible to JSON.stringify, util.inspect and pino while keeping them readable. */
function hideSecrets(s: Secrets): Secrets {
  const holder = {} as Secrets;
  for (const [k, v] of Object.entries(s)) {
    if (v !== undefined) Object.defineProperty(holder, k, { value: v, enumerable: false });
  }
  Object.defineProperty(holder, 'toJSON', { value: () => Object.keys(s).filter((k) => s[k as keyof Secrets] !== undefined).map((k) => `${k}: [set]`), enumerable: false });
  Object.defineProperty(holder, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[secrets]', enumerable: false });
  return Object.freeze(holder);
}

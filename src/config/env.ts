/**
 * The environment layer: `AUDIENCE_PIPE_<OPTION>` for every option, plus the secrets and
 * switches that are no option. A variable of that prefix that is in neither list stops the run:
 * a misspelt `AUDIENCE_PIPE_HASH` would otherwise write e-mails in clear text without a word.
 */
import { ConfigError } from '../errors/errors.js';
import { nearestName } from './nearest.js';
import { kebab, PROCESS_OPTIONS, type ProcessOptionKey, type RawOptions } from './options.js';

const ENV_PREFIX = 'AUDIENCE_PIPE_';

/** Secrets come from the environment (or a file), never from a flag a process listing would show. */
export const ENV = {
  aesKey: 'AUDIENCE_PIPE_AES_KEY',
  sftpPassword: 'AUDIENCE_PIPE_SFTP_PASSWORD',
  sftpPassphrase: 'AUDIENCE_PIPE_SFTP_PASSPHRASE',
  pgPassword: 'AUDIENCE_PIPE_PG_PASSWORD',
} as const;

/** Variables that are neither option nor secret, with what they do (README lists them). */
const SWITCH_ENV = {
  AUDIENCE_PIPE_SHA256_BATCH: '`js` hashes with crypto.hash instead of the native batch (for comparison)',
} as const;

export const envName = (key: string): string => ENV_PREFIX + kebab(key).replaceAll('-', '_').toUpperCase();

/** Option keys that a variable can give (all but the config-file-only ones). */
const ENV_OPTION_KEYS = (Object.keys(PROCESS_OPTIONS) as ProcessOptionKey[]).filter((k) => PROCESS_OPTIONS[k] !== 'file');

/** Every variable name audience-pipe reads. */
export function knownEnvNames(): string[] {
  return [...ENV_OPTION_KEYS.map(envName), ...Object.values(ENV), ...Object.keys(SWITCH_ENV)];
}

/** Throws for a variable with the prefix that audience-pipe does not know, naming the nearest one it does. */
export function checkEnvNames(env: NodeJS.ProcessEnv): void {
  const known = knownEnvNames();
  for (const name of Object.keys(env)) {
    if (!name.startsWith(ENV_PREFIX) || known.includes(name)) continue;
    throw new ConfigError(`${name}: not a variable audience-pipe knows (did you mean ${nearestName(name, known)}?)`, 'env');
  }
}

/** The options the environment gives, keyed like the config file; an empty variable counts as unset. */
export function readEnvOptions(env: NodeJS.ProcessEnv): RawOptions {
  const out: RawOptions = {};
  for (const key of ENV_OPTION_KEYS) {
    const name = envName(key);
    const text = env[name];
    if (text === undefined || text === '') continue;
    const kind = PROCESS_OPTIONS[key];
    if (kind === 'list') out[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
    else if (kind === 'switch') out[key] = parseSwitch(text, name);
    else out[key] = text;
  }
  return out;
}

function parseSwitch(text: string, name: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new ConfigError(`${name}: expected true or false (or 1 or 0), got '${text}'`, 'env');
}

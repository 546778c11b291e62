/**
 * The AES keys of a run. The unnamed key (`--aes-key-file`, a program's `aesKey` or
 * AUDIENCE_PIPE_AES_KEY, with `--aes-iv`) is DEFAULT_KEY; the config file's `keys` add one per
 * data source, so that files of several sources, each with its own key, go through one run.
 * Messages name the option or key path, never a key's bytes.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/errors.js';
import { ENV } from './env.js';
import { DEFAULT_KEY, type AesKeyPair, type KeyEntry } from './types.js';
import { aesKey as aesKeyBytes, BadValue } from './values.js';

/** Hex key of 16, 24 or 32 bytes; the message never shows the key. */
function parseAesKey(text: string | Uint8Array, source: string, option = 'aes-key-file'): Buffer {
  try {
    return aesKeyBytes(text);
  } catch (err) {
    if (err instanceof BadValue) throw new ConfigError(`${source}: ${err.message}`, option);
    throw err;
  }
}

/** The unnamed key's bytes, from the first of: the key file, the program's bytes, the environment. */
export function readDefaultKey(keyFile: string | undefined, given: string | Uint8Array | undefined, env: NodeJS.ProcessEnv): Buffer | undefined {
  if (keyFile !== undefined) return parseAesKey(readKeyFile(keyFile, '--aes-key-file', 'aes-key-file'), '--aes-key-file');
  if (given !== undefined) return parseAesKey(given, 'aesKey');
  const fromEnv = env[ENV.aesKey];
  if (fromEnv !== undefined && fromEnv !== '') return parseAesKey(fromEnv, ENV.aesKey);
  return undefined;
}

/** Names a `--encrypt <column>=<name>` can use: a plain word, never the unnamed key's. */
const KEY_NAME = /^[A-Za-z0-9_.-]+$/;

/** A `keys` entry as the schema leaves it: the IV parsed. */
export type CheckedKeyEntry = Omit<KeyEntry, 'iv'> & { readonly iv: Buffer };

/** The named keys of the config file, each read and checked now. */
export function readNamedKeys(entries: Readonly<Record<string, CheckedKeyEntry>>): Record<string, AesKeyPair> {
  const out: Record<string, AesKeyPair> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const where = `--config: keys.${name}`;
    if (name === DEFAULT_KEY) throw new ConfigError(`${where}: '${DEFAULT_KEY}' names the key of --aes-key-file and --aes-iv; give this key another name`, 'config');
    if (!KEY_NAME.test(name)) throw new ConfigError(`${where}: a key name is letters, digits, '_', '.' or '-'`, 'config');
    const key = parseAesKey(readKeyFile(entry.keyFile, `${where}.keyFile`, 'config'), `${where}.keyFile`, 'config');
    out[name] = { key, iv: entry.iv };
  }
  return out;
}

function readKeyFile(path: string, where: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, option);
  }
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import type { ParsedKey } from 'ssh2';
import { ConfigError } from '../../errors/errors.js';
import type { Secrets, TransportConfig } from '../../config/types.js';
import type { SftpAddress } from './address.js';

/**
 * What ssh2 needs to log in. Held only in closures and passed straight to ssh2: never logged,
 * never part of an error message, never returned by `details()`.
 */
export interface SftpCredentials {
  /** Parsed (and decrypted) once: ssh2 accepts a parsed key and skips the slow KDF. */
  readonly privateKey?: ParsedKey;
  readonly passphrase?: string;
  readonly password?: string;
  /** For logs: which key file, or that a password is used. Not a secret. */
  readonly method: string;
}

/**
 * Resolves and checks the login material before anything runs, so a missing key file or a
 * wrong passphrase stops the run as a configuration error (exit 2) instead of after the work.
 * The account's own `privateKeyFile` wins over `--sftp-key`: it is the more specific setting.
 */
export function resolveSftpCredentials(addr: SftpAddress, cfg: TransportConfig, secrets: Secrets): SftpCredentials {
  const byKey = cache.get(secrets) ?? new Map<string, SftpCredentials>();
  cache.set(secrets, byKey);
  const which = `${addr.privateKeyFile ?? cfg.sftpKey ?? ''}`;
  const hit = byKey.get(which);
  if (hit !== undefined) return hit;
  const creds = resolve(addr, cfg, secrets);
  byKey.set(which, creds);
  return creds;
}

/**
 * One resolution per key file and secrets of a run: the configuration's check (src/config/endpoints.ts)
 * decrypts the key once, and every connection and reconnect reuses it.
 */
const cache = new WeakMap<Secrets, Map<string, SftpCredentials>>();

/** ssh2 (and its crypto) loads only when a run uses SFTP: the configuration imports this module. */
const lazyRequire = createRequire(import.meta.url);

function resolve(addr: SftpAddress, cfg: TransportConfig, secrets: Secrets): SftpCredentials {
  const keyFile = addr.privateKeyFile ?? cfg.sftpKey;
  const option = addr.privateKeyFile !== undefined ? `accounts.${addr.account}.privateKeyFile` : '--sftp-key';
  const password = secrets.sftpPassword !== undefined && secrets.sftpPassword !== '' ? secrets.sftpPassword : undefined;
  if (keyFile === undefined || keyFile === '') {
    if (password === undefined) {
      throw new ConfigError(
        `no SFTP credentials for ${addr.display}: give --sftp-key <file> or set AUDIENCE_PIPE_SFTP_PASSWORD`,
        '--sftp-key',
      );
    }
    return { password, method: 'password' };
  }
  const path = keyFile === '~' || keyFile.startsWith('~/') ? homedir() + keyFile.slice(1) : keyFile;
  let keyText: Buffer;
  try {
    keyText = readFileSync(path);
  } catch (cause) {
    throw new ConfigError(`${option}: cannot read the private key file ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, option, cause);
  }
  const passphrase = secrets.sftpPassphrase !== undefined && secrets.sftpPassphrase !== '' ? secrets.sftpPassphrase : undefined;
  const parsed = (lazyRequire('ssh2') as typeof import('ssh2')).utils.parseKey(keyText, passphrase);
  if (parsed instanceof Error) {
    // ssh2's parse messages describe the format problem only ("no passphrase given", "bad passphrase"...).
    const hint = passphrase === undefined ? ' (if it is encrypted, set AUDIENCE_PIPE_SFTP_PASSPHRASE)' : '';
    throw new ConfigError(`${option}: cannot use the private key in ${path}: ${parsed.message}${hint}`, option);
  }
  const privateKey = Array.isArray(parsed) ? parsed[0] : parsed;
  return { privateKey, passphrase, password, method: `key ${path}` };
}

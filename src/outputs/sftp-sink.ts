import { basename } from 'node:path';
import { ConfigError } from '../errors/errors.js';
import type { Secrets, TransportConfig } from '../config/types.js';
import type { Logger } from '../util/logger.js';
import type { Sink } from './sink.js';
import { parseSftpAddress, remoteJoin } from '../transport/sftp/address.js';
import { SftpSink } from './sftp-upload.js';

/**
 * An SFTP output (`--out sftp://...` or `--out account:NAME`): the remote name it is published
 * under, then the upload itself (src/outputs/sftp-upload.ts).
 */
export function createSftpSink(
  spec: string,
  cfg: TransportConfig,
  secrets: Secrets,
  log: Logger,
  inputName: string | undefined,
): Sink {
  // The address, credentials, host-key pin and spool directory come checked by the
  // configuration (src/config/endpoints.ts); the name may depend on the input's.
  const addr = parseSftpAddress(spec, cfg.accounts, '--out');
  const name = addr.name ?? outputName(cfg.name, inputName);
  return new SftpSink(addr, remoteJoin(addr.dir, name), cfg, secrets, log);
}

function outputName(flagName: string | undefined, inputName: string | undefined): string {
  const raw = flagName ?? (inputName === undefined ? undefined : basename(inputName.replace(/[?#].*$/, '')));
  if (raw === undefined || raw === '' || raw === '-') {
    throw new ConfigError('--out names a directory and the input has no file name: give --name <file name>', '--name');
  }
  if (raw.includes('/') || raw === '.' || raw === '..' || raw.includes('\0')) {
    throw new ConfigError(`--name: "${raw}" is not a plain file name`, '--name');
  }
  return raw;
}

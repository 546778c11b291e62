import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { ConfigError } from '../errors/errors.js';
import type { Secrets, TransportConfig } from '../config/types.js';
import type { Logger } from '../util/logger.js';
import { checkPlainName, type FileSink, type RoutedOutput } from './file-targets.js';
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

/**
 * A routed run's files on SFTP: each streams to `.audience-pipe-<nonce>-<n>.part` in the
 * `--out` directory (one connection per file while it is written) and is renamed to its final
 * name at commit. An `--out` naming a file gives the first part's name.
 */
export function sftpRoutedOutput(spec: string, cfg: TransportConfig, secrets: Secrets, log: Logger): RoutedOutput {
  const addr = parseSftpAddress(spec, cfg.accounts, '--out');
  const nonce = randomBytes(4).toString('hex');
  let n = 0;
  return {
    ...(addr.name === undefined ? {} : { name: addr.name }),
    target: {
      description: addr.display,
      describe: (name) => remoteJoin(addr.dir, name),
      async create(): Promise<FileSink> {
        const sink = new SftpSink(addr, remoteJoin(addr.dir, `.audience-pipe-${nonce}-${++n}`), cfg, secrets, log);
        return Object.assign(sink, { setName: (name: string) => sink.setFinalPath(remoteJoin(addr.dir, checkPlainName(name))) });
      },
    },
  };
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

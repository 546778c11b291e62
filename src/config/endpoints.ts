/**
 * The checks of `--in` and `--out` that need no connection, made once while the configuration
 * is built so that a bad address, missing credentials, a malformed host-key pin or an Azure URL
 * without its SAS stops the run (exit 2) before anything is read or written; the sources and
 * sinks then take their values as given. Local paths are checked by src/outputs/targets.ts,
 * which needs the file system's answers asynchronously.
 */
import { statSync } from 'node:fs';
import { ConfigError } from '../errors/errors.js';
import { isHttpSpec, redactUrl } from '../transport/http/url.js';
import { isSftpSpec, parseSftpAddress, type SftpOption } from '../transport/sftp/address.js';
import { resolveSftpCredentials } from '../transport/sftp/credentials.js';
import { hostKeyPolicy } from '../transport/sftp/host-key.js';
import type { ProcessConfig } from './types.js';
import { routeSettings } from '../pipeline/route-settings.js';

export function checkEndpoints(config: ProcessConfig): void {
  const { transport } = config;
  if (isSftpSpec(config.in)) {
    checkSftp(config, config.in, '--in');
    if (transport.deleteAfter && transport.moveAfter !== undefined) {
      throw new ConfigError('--delete-after and --move-after exclude each other', '--move-after');
    }
  } else if (isHttpSpec(config.in)) {
    parsedUrl(config.in, '--in');
  }
  if (isSftpSpec(config.out)) {
    checkSftp(config, config.out, '--out');
    checkSpoolParent(transport.tmpDir);
  } else if (isHttpSpec(config.out)) {
    checkAzureBlobUrl(config.out, routeSettings(config) !== undefined);
  }
}

/** The address, the login material (key file read, passphrase tried) and the host-key policy. */
function checkSftp(config: ProcessConfig, spec: string, option: SftpOption): void {
  const addr = parseSftpAddress(spec, config.transport.accounts, option);
  resolveSftpCredentials(addr, config.transport, config.secrets);
  hostKeyPolicy(addr, config.transport);
}

/** A remote output is spooled locally until it is published: the spool's directory must exist. */
function checkSpoolParent(dir: string | undefined): void {
  if (dir === undefined) return;
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new ConfigError(`--tmp-dir: "${dir}" is not a directory`, '--tmp-dir');
}

/** The message never shows the text: a URL that does not parse cannot be redacted, and it may hold a signature. */
function parsedUrl(spec: string, option: '--in' | '--out'): URL {
  try {
    return new URL(spec);
  } catch (err) {
    throw new ConfigError(`${option}: not a valid URL (scheme://host/path?query)`, option, err);
  }
}

/**
 * `https://<account>/<container>/<blob>?<SAS>` (http only on loopback, for Azurite); a run that
 * writes several files (src/pipeline/route-settings.ts) may name the container itself, with a
 * container SAS (`sr=c`) or a path ending in `/`.
 */
function checkAzureBlobUrl(url: string, routed: boolean): void {
  const target = parsedUrl(url, '--out');
  const shown = redactUrl(target);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new ConfigError(`--out ${shown}: an Azure Blob URL must be https (or http on loopback)`, '--out');
  }
  if (target.search.length <= 1) {
    throw new ConfigError(`--out ${shown}: an Azure Blob URL needs a SAS query (sv=...&sig=...)`, '--out');
  }
  const container = target.searchParams.get('sr') === 'c' || target.pathname.endsWith('/');
  if (routed && container && target.pathname.split('/').filter(Boolean).length >= 1) return;
  if (target.pathname.split('/').filter(Boolean).length < 2) {
    throw new ConfigError(`--out ${shown}: expected .../<container>/<blob>`, '--out');
  }
}

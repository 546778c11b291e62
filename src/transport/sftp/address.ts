import { posix } from 'node:path';
import { userInfo } from 'node:os';
import { ConfigError } from '../../errors/errors.js';
import type { TransportConfig } from '../../config/types.js';

/**
 * Where an SFTP `--in` / `--out` points, resolved from `sftp://user@host[:port]/path` or
 * `account:NAME[/sub/path]`. Pure: no I/O.
 */
export interface SftpAddress {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Remote directory: absolute, or relative to the login directory (`.` is the login directory). */
  readonly dir: string;
  /** Last path segment (a file name or a glob); undefined when the address names a directory. */
  readonly name: string | undefined;
  /** Set when `name` contains `*` or `?`. */
  readonly pattern: RegExp | undefined;
  /** The account name when the address came from `account:NAME`. */
  readonly account: string | undefined;
  /** The account's pinned host key fingerprint, if any. */
  readonly hostKey: string | undefined;
  /** The account's private key file, if any. */
  readonly privateKeyFile: string | undefined;
  /** For logs and reports: `sftp://user@host:port/path`, never a secret. */
  readonly display: string;
}

export type SftpOption = '--in' | '--out';

const URL_RE = /^sftp:\/\/(?:([^@/]*)@)?(\[[^\]/]+\]|[^:/[\]]+)(?::([^/]*))?(\/.*)?$/i;
const GLOB_RE = /[*?]/;

/** True for the two spellings this transport handles (`sftp://...` and `account:NAME...`). */
export function isSftpSpec(spec: string): boolean {
  return /^sftp:\/\//i.test(spec) || spec.startsWith('account:');
}

/** Joins a remote directory and a name with `/`; `.` (the login directory) yields a relative path. */
export function remoteJoin(dir: string, name: string): string {
  return dir === '.' ? name : posix.join(dir, name);
}

/** The path for messages: relative (login-directory) paths are shown as `~/...`. */
export function displayPath(path: string): string {
  if (path === '.') return '~/';
  return path.startsWith('/') ? path : `~/${path}`;
}

/** `sftp://user@host:port`: names a server in messages and logs. */
export function endpointOf(addr: Pick<SftpAddress, 'host' | 'port' | 'username'>): string {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `sftp://${addr.username}@${host}:${addr.port}`;
}

/** `sftp://user@host:port/path` for a remote path (`~/...` for login-relative paths). */
export function remoteUrl(addr: Pick<SftpAddress, 'host' | 'port' | 'username'>, path: string): string {
  const shown = displayPath(path);
  return `${endpointOf(addr)}${shown.startsWith('/') ? '' : '/'}${shown}`;
}

/**
 * Parses an SFTP address. `--in` accepts a glob in the last segment; `--out` does not.
 * Every error is a ConfigError naming the option; no secret is ever echoed.
 */
export function parseSftpAddress(
  spec: string,
  accounts: TransportConfig['accounts'],
  option: SftpOption,
): SftpAddress {
  const addr = spec.startsWith('account:') ? parseAccount(spec, accounts, option) : parseUrl(spec, option);
  if (addr.pattern !== undefined && option === '--out') {
    throw new ConfigError(`${option}: a wildcard is only allowed in --in (got ${addr.display})`, option);
  }
  return addr;
}

function parseUrl(spec: string, option: SftpOption): SftpAddress {
  const m = URL_RE.exec(spec);
  if (m === null) {
    throw new ConfigError(`${option}: not an sftp://[user@]host[:port]/path address: ${redactUserinfo(spec)}`, option);
  }
  const [, rawUser, rawHost, rawPort, rawPath] = m;
  if (rawUser !== undefined && rawUser.includes(':')) {
    // A password in the URL would land in shell history and process listings.
    throw new ConfigError(
      `${option}: passwords are not accepted in the address; set AUDIENCE_PIPE_SFTP_PASSWORD or use --sftp-key`,
      option,
    );
  }
  const username = rawUser === undefined || rawUser === '' ? userInfo().username : decode(rawUser, option, 'user name');
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  let port = 22;
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d{1,5}$/.test(rawPort) || port < 1 || port > 65535) {
      throw new ConfigError(`${option}: port must be 1-65535, got "${rawPort}" in ${redactUserinfo(spec)}`, option);
    }
  }
  if (rawPath === undefined || rawPath === '') {
    throw new ConfigError(`${option}: ${redactUserinfo(spec)} has no path; use sftp://host/absolute/path or sftp://host/~/path`, option);
  }
  const path = decode(rawPath, option, 'path');
  // `/~` and `/~/...` start from the login directory: SFTP resolves relative paths there.
  let remote: string;
  if (path === '/~' || path === '/~/') remote = './';
  else if (path.startsWith('/~/')) remote = path.slice(3);
  else remote = path;
  return build({ host, port, username, remote, option, account: undefined, hostKey: undefined, privateKeyFile: undefined });
}

function parseAccount(spec: string, accounts: TransportConfig['accounts'], option: SftpOption): SftpAddress {
  const rest = spec.slice('account:'.length);
  const slash = rest.indexOf('/');
  const name = slash === -1 ? rest : rest.slice(0, slash);
  const sub = slash === -1 ? '' : rest.slice(slash + 1);
  const account = Object.hasOwn(accounts, name) ? accounts[name] : undefined;
  if (account === undefined) {
    const known = Object.keys(accounts);
    throw new ConfigError(
      `${option}: unknown account "${name}"` +
        (known.length > 0 ? ` (configured: ${known.join(', ')})` : ' (no accounts are configured)'),
      option,
    );
  }
  const base = account.dir === undefined || account.dir === '' || account.dir === '~' ? '.' : account.dir;
  const baseDir = base.endsWith('/') ? base : `${base}/`;
  // Without a sub path the account names its directory; a sub path is relative to that directory.
  const remote = sub === '' ? baseDir : base === '.' ? sub : posix.join(base, sub) + (sub.endsWith('/') ? '/' : '');
  return build({
    host: account.host,
    port: account.port ?? 22,
    username: account.username,
    remote,
    option,
    account: name,
    hostKey: account.hostKey,
    privateKeyFile: account.privateKeyFile,
  });
}

function build(p: {
  host: string;
  port: number;
  username: string;
  remote: string;
  option: SftpOption;
  account: string | undefined;
  hostKey: string | undefined;
  privateKeyFile: string | undefined;
}): SftpAddress {
  if (p.host === '') throw new ConfigError(`${p.option}: empty host`, p.option);
  if (p.remote.includes('\0')) throw new ConfigError(`${p.option}: the remote path contains a NUL byte`, p.option);
  const isDir = p.remote.endsWith('/');
  const trimmed = isDir ? p.remote.replace(/\/+$/, '') : p.remote;
  let dir: string;
  let name: string | undefined;
  if (isDir) {
    dir = trimmed === '' ? (p.remote.startsWith('/') ? '/' : '.') : trimmed === '.' ? '.' : trimmed;
    name = undefined;
  } else {
    const cut = trimmed.lastIndexOf('/');
    dir = cut === -1 ? '.' : cut === 0 ? '/' : trimmed.slice(0, cut);
    name = trimmed.slice(cut + 1);
    if (name === '' || name === '.' || name === '..') {
      throw new ConfigError(`${p.option}: "${p.remote}" does not end in a file name (end it with / for a directory)`, p.option);
    }
  }
  if (GLOB_RE.test(dir)) {
    throw new ConfigError(`${p.option}: wildcards are only allowed in the last path segment (${p.remote})`, p.option);
  }
  const pattern = name !== undefined && GLOB_RE.test(name) ? globToRegExp(name) : undefined;
  const endpoint = { host: p.host, port: p.port, username: p.username };
  const display = name === undefined ? remoteUrl(endpoint, dir).replace(/\/?$/, '/') : remoteUrl(endpoint, remoteJoin(dir, name));
  return {
    host: p.host,
    port: p.port,
    username: p.username,
    dir,
    name,
    pattern,
    account: p.account,
    hostKey: p.hostKey,
    privateKeyFile: p.privateKeyFile,
    display,
  };
}

/**
 * Shell-style glob for one path segment: `*` any run, `?` one character. Like a shell, a
 * leading wildcard does not match a leading dot, so hidden files stay out of `*.csv`.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const noLeadingDot = glob.startsWith('*') || glob.startsWith('?') ? '(?!\\.)' : '';
  return new RegExp(`^${noLeadingDot}${re}$`, 's');
}

/**
 * Natural order: digit runs compare as numbers (part 10 after part 9), everything else by
 * code unit. Locale-independent, so the order is the same on every machine.
 */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    const dx = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const dy = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (dx && dy) {
      const sx = x.replace(/^0+(?=\d)/, '');
      const sy = y.replace(/^0+(?=\d)/, '');
      if (sx.length !== sy.length) return sx.length - sy.length;
      if (sx !== sy) return sx < sy ? -1 : 1;
      // Same value: fewer leading zeros first, so the order stays total.
      if (x.length !== y.length) return x.length - y.length;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (ta.length !== tb.length) return ta.length - tb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function decode(s: string, option: SftpOption, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch (cause) {
    throw new ConfigError(`${option}: the ${what} has a malformed %-escape`, option, cause);
  }
}

/** Shows an address without anything between `//` and `@` beyond the user name. */
function redactUserinfo(spec: string): string {
  return spec.replace(/^(sftp:\/\/)([^@/]*)@/i, (_all, scheme: string, info: string) => {
    const user = info.split(':')[0];
    return `${scheme}${user}${info.includes(':') ? ':***' : ''}@`;
  });
}

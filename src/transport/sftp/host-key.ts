import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../errors/errors.js';
import type { TransportConfig } from '../../config/types.js';
import type { SftpAddress } from './address.js';

/** How the server's host key is checked. Decided once per address, before connecting. */
export type HostKeyPolicy =
  | { readonly kind: 'pinned'; readonly fingerprint: string; readonly source: string }
  | { readonly kind: 'known_hosts'; readonly file: string }
  | { readonly kind: 'any' };

export type HostKeyVerdict =
  | { readonly ok: true; readonly offered: string }
  | { readonly ok: false; readonly offered: string; readonly reason: string; readonly expected: readonly string[] };

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** `SHA256:<base64, no padding>` of a key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Pinned fingerprint first (the account's `hostKey`, else `--sftp-host-key`), then the
 * insecure switch, else known_hosts (`--known-hosts`, else ~/.ssh/known_hosts).
 */
export function hostKeyPolicy(addr: SftpAddress, cfg: TransportConfig): HostKeyPolicy {
  const pinned = addr.hostKey ?? cfg.sftpHostKey;
  if (pinned !== undefined && pinned !== '') {
    const source = addr.hostKey !== undefined ? `accounts.${addr.account}.hostKey` : '--sftp-host-key';
    const fp = pinned.trim().replace(/=+$/, '');
    if (!FINGERPRINT_RE.test(fp)) {
      throw new ConfigError(`${source}: expected a fingerprint like SHA256:<43 base64 characters>, got "${pinned}"`, source);
    }
    return { kind: 'pinned', fingerprint: fp, source };
  }
  if (cfg.sftpInsecureAcceptAnyHostKey) return { kind: 'any' };
  return { kind: 'known_hosts', file: cfg.knownHosts ?? join(homedir(), '.ssh', 'known_hosts') };
}

interface KnownHostLine {
  readonly marker: '' | '@revoked' | '@cert-authority';
  readonly hosts: string;
  readonly keyType: string;
  readonly blob: Buffer;
}

function readKnownHosts(file: string): KnownHostLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    let marker: KnownHostLine['marker'] = '';
    if (f[0] === '@revoked' || f[0] === '@cert-authority') marker = f.shift() as KnownHostLine['marker'];
    if (f.length < 3) continue;
    out.push({ marker, hosts: f[0], keyType: f[1], blob: Buffer.from(f[2], 'base64') });
  }
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Matches a known_hosts host field: hashed `|1|salt|hash`, or a comma list with `*`, `?`, `!`. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    const want = Buffer.from(hash, 'base64');
    const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat.startsWith('!')) {
      if (wildcardMatch(pat.slice(1), name)) return false;
    } else if (wildcardMatch(pat, name)) {
      matched = true;
    }
  }
  return matched;
}

function entriesFor(file: string, host: string, port: number): KnownHostLine[] {
  const name = lookupName(host, port);
  return readKnownHosts(file).filter((e) => e.marker !== '@cert-authority' && hostFieldMatches(e.hosts, name));
}

/** Host key algorithms to offer first, so a server with several keys shows the one we know. */
export function preferredHostKeyAlgorithms(policy: HostKeyPolicy, host: string, port: number): string[] {
  if (policy.kind !== 'known_hosts') return [];
  let types: string[];
  try {
    types = entriesFor(policy.file, host, port).filter((e) => e.marker === '').map((e) => e.keyType);
  } catch {
    return [];
  }
  const algos: string[] = [];
  for (const t of types) {
    const list = t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
    for (const a of list) if (!algos.includes(a)) algos.push(a);
  }
  return algos;
}

/** Checks the key the server offered against the policy. Never throws for a bad key. */
export function verifyHostKey(policy: HostKeyPolicy, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const offered = fingerprintOf(keyBlob);
  switch (policy.kind) {
    case 'any':
      return { ok: true, offered };
    case 'pinned':
      return offered === policy.fingerprint
        ? { ok: true, offered }
        : { ok: false, offered, expected: [policy.fingerprint], reason: `does not match the key pinned by ${policy.source}` };
    case 'known_hosts': {
      let entries: KnownHostLine[];
      try {
        entries = entriesFor(policy.file, host, port);
      } catch (err) {
        return { ok: false, offered, expected: [], reason: `known_hosts file ${policy.file} is unreadable (${(err as Error).message})` };
      }
      if (entries.some((e) => e.marker === '@revoked' && e.blob.equals(keyBlob))) {
        return { ok: false, offered, expected: [], reason: `is marked @revoked in ${policy.file}` };
      }
      const known = entries.filter((e) => e.marker === '');
      if (known.some((e) => e.blob.equals(keyBlob))) return { ok: true, offered };
      if (known.length === 0) {
        return {
          ok: false,
          offered,
          expected: [],
          reason: `is unknown: ${policy.file} has no entry for ${lookupName(host, port)} (pin it with --sftp-host-key ${offered} after checking it with the server's owner)`,
        };
      }
      return {
        ok: false,
        offered,
        expected: known.map((e) => `${e.keyType} ${fingerprintOf(e.blob)}`),
        reason: `differs from the key recorded for ${lookupName(host, port)} in ${policy.file}`,
      };
    }
  }
}

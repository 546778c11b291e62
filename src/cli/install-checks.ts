/**
 * What the install gives this process, checked rather than assumed: Node, the two native pieces
 * (loaded or not, and why), OpenSSL, a writable temporary directory. `doctor` prints them all;
 * `--version` their one-line gist.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was found, or why not. */
  readonly detail: string;
  /** A failed check that slows runs down (a fallback is used) or stops them. */
  readonly failure?: 'slower' | 'broken';
}

const require = createRequire(import.meta.url);
/** Both dist/cli/ and src/cli/ are two levels below the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REBUILD = 'python3, make and a C/C++ compiler, then `node scripts/build-native.mjs` in the package';
/** The imported symbol of a binding whose ObjectWrap registers cleanup hooks (scripts/build-native.mjs says why). */
const HOOK_SYMBOL = 'EnvironmentCleanupHook';

const firstLine = (err: unknown): string => String((err as Error)?.message ?? err).split('\n')[0];

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  const ok = major >= 24;
  return {
    name: 'node',
    ok,
    detail: ok ? `${process.version} (${process.execPath})` : `${process.version}: the project is built and measured on Node 24 (npm ci installs it; npx audience-pipe uses it)`,
    ...(ok ? {} : { failure: 'slower' as const }),
  };
}

function sha256BatchCheck(): Check {
  const name = 'sha256 batch';
  if (process.env.AUDIENCE_PIPE_SHA256_BATCH === 'js') return { name, ok: false, detail: 'off: AUDIENCE_PIPE_SHA256_BATCH=js hashes with crypto.hash per value', failure: 'slower' };
  const file = join(PACKAGE_ROOT, 'native', 'build', 'Release', 'sha256_batch.node');
  if (!existsSync(file)) return { name, ok: false, detail: `not built (${file} is missing): hashing uses crypto.hash per value, 3-4x slower; needs ${REBUILD}`, failure: 'slower' };
  try {
    const addon = require(file) as { sha256HexBatch?: unknown };
    if (typeof addon.sha256HexBatch !== 'function') return { name, ok: false, detail: `${file} has no sha256HexBatch`, failure: 'slower' };
    return { name, ok: true, detail: `native (${file})` };
  } catch (err) {
    return { name, ok: false, detail: `does not load (${firstLine(err)}): hashing uses crypto.hash per value; rebuild with ${REBUILD}`, failure: 'slower' };
  }
}

function ssh2CryptoCheck(): Check {
  try {
    return ssh2BindingCheck(join(dirname(require.resolve('ssh2/package.json')), 'lib', 'protocol', 'crypto', 'build', 'Release', 'sshcrypto.node'));
  } catch (err) {
    return { name: 'ssh2 crypto', ok: false, detail: `ssh2 is not installed (${firstLine(err)}): SFTP cannot work`, failure: 'broken' };
  }
}

/** ssh2's binding at `file`: there, loading in this Node, and without the ObjectWrap hooks. */
export function ssh2BindingCheck(file: string): Check {
  const name = 'ssh2 crypto';
  if (!existsSync(file)) return { name, ok: false, detail: `not built (${file} is missing): SFTP seals packets in JavaScript, about a third slower; needs ${REBUILD}`, failure: 'slower' };
  try {
    require(file);
  } catch (err) {
    return { name, ok: false, detail: `does not load in Node ${process.version} (${firstLine(err)}): SFTP seals packets in JavaScript, about a third slower; rebuild with ${REBUILD}`, failure: 'slower' };
  }
  if (readFileSync(file).includes(HOOK_SYMBOL)) {
    return { name, ok: false, detail: `loads, but was built with the ObjectWrap cleanup hooks of Node >= 24.19, which abort the process at a GC (nodejs/node#65446); rebuild with node scripts/build-native.mjs`, failure: 'broken' };
  }
  return { name, ok: true, detail: `native (${file})` };
}

function opensslCheck(): Check {
  return { name: 'openssl', ok: true, detail: process.versions.openssl };
}

function tmpCheck(): Check {
  const dir = tmpdir();
  try {
    const probe = mkdtempSync(join(dir, 'audience-pipe-doctor-'));
    writeFileSync(join(probe, 'probe'), 'x');
    rmSync(probe, { recursive: true, force: true });
    return { name: 'temporary directory', ok: true, detail: `${dir} is writable` };
  } catch (err) {
    return { name: 'temporary directory', ok: false, detail: `${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? firstLine(err)}): remote outputs spool there; set TMPDIR or --tmp-dir`, failure: 'broken' };
  }
}

export function installChecks(): Check[] {
  return [nodeCheck(), sha256BatchCheck(), ssh2CryptoCheck(), opensslCheck(), tmpCheck()];
}

/** `--version`'s one line: the version and whether the native pieces are in use. */
export function versionLine(version: string): string {
  const state = (c: Check): string => (c.ok ? 'native' : c.failure === 'broken' ? 'unsafe, see doctor' : 'JavaScript fallback');
  return `audience-pipe ${version} (node ${process.version}, openssl ${process.versions.openssl}, sha256 batch: ${state(sha256BatchCheck())}, ssh2 crypto: ${state(ssh2CryptoCheck())})`;
}

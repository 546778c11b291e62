#!/usr/bin/env node
// Builds the two native pieces for the Node.js that runs this script (the project's own Node 24,
// the npm package `node`, under `npm ci` / `npm run`), each optional, each with a fallback:
//
// 1. native/sha256_batch.node, our own N-API addon: SHA-256 of a whole chunk's values in one
//    call (src/transforms/sha256-batch.ts falls back to `crypto.hash` per value without it).
// 2. ssh2's native crypto binding (sshcrypto.node), only in this project's own checkout.
//
// Why (2): ssh2 seals every SSH packet either with one native call (the binding) or with a fresh
// createCipheriv + setAAD + final + getAuthTag in JavaScript; the second costs SFTP uploads about
// a third of their speed. ssh2's own install step builds the binding with `node-gyp --target=<the
// running Node>`, but against whatever `nodedir` npm is configured with (here /usr: the system
// Node 20's headers), so the result never loads under Node 24 ("Module did not self-register")
// and ssh2 silently falls back. The npm package `node-<platform>-<arch>` that brings our Node 24
// ships that version's headers (include/node), so we build against those. When audience-pipe is
// a dependency, ssh2 belongs to the user's tree: it is left as their install made it.
//
// Never fails the install: every problem ends as one warning line on stderr and exit 0; the
// fallback works, only slower, and `audience-pipe doctor` says what is missing. A build replaces
// the one in place only once it has loaded in a child process: each is made in a fresh copy of
// its sources beside the original, then renamed into place.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(packageRoot, 'package.json'));
const say = (msg) => console.error(`[build-native] ${msg}`);
const warn = (msg) => say(`WARNING: ${msg}`);
const WORK_PREFIX = '.audience-pipe-build-';

/** A dependency's files live under some node_modules/; the project's own checkout does not. */
function isOwnCheckout() {
  const paths = [packageRoot];
  try {
    paths.push(realpathSync(packageRoot));
  } catch {
    /* the path as given is enough */
  }
  return paths.every((p) => !p.split(sep).includes('node_modules'));
}

/** Undefined when `file` loads in a fresh process of this Node, else the reason it does not. */
function loadError(file) {
  // A child process: a failed dlopen must not poison this one, and the answer must be the
  // running Node's, not a cached module's.
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const lines = `${r.stderr ?? ''}`.split('\n').filter((l) => /Error|error:/.test(l));
  return lines[0]?.trim() ?? `exit ${r.status ?? r.signal}`;
}

/**
 * A directory with include/node whose ABI (NODE_MODULE_VERSION) is the running Node's; with
 * `anyVersion`, any Node's headers (enough for N-API, whose ABI is stable across versions).
 */
function headersForThisNode(anyVersion = false) {
  const candidates = [];
  const pkg = `node-${process.platform}-${process.arch}`;
  try {
    candidates.push(dirname(createRequire(require.resolve('node/package.json')).resolve(`${pkg}/package.json`)));
  } catch {
    /* not installed through the npm package `node` */
  }
  try {
    candidates.push(dirname(require.resolve(`${pkg}/package.json`)));
  } catch {
    /* not hoisted */
  }
  candidates.push(dirname(dirname(process.execPath)), '/usr', '/usr/local');
  for (const dir of candidates) {
    const versionH = join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(versionH) || !existsSync(join(dir, 'include', 'node', 'common.gypi'))) continue;
    const m = /#define NODE_MODULE_VERSION (\d+)/.exec(readFileSync(versionH, 'utf8'));
    if (anyVersion || (m && m[1] === process.versions.modules)) return dir;
  }
  return undefined;
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmCli = process.env.npm_execpath;
  if (npmCli) {
    const gyp = join(dirname(dirname(npmCli)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(gyp)) return gyp;
  }
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    /* not a dependency of ours */
  }
  // Run by hand rather than by npm: the node-gyp bundled with the npm on PATH.
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const npm = join(dir, 'npm');
    if (!existsSync(npm)) continue;
    const gyp = join(dirname(dirname(realpathSync(npm))), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(gyp)) return gyp;
  }
  return undefined;
}

function tail(r) {
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  if (text) console.error(text);
}

/**
 * Builds the addon whose binding.gyp is in `srcDir` in a copy of its sources made inside
 * `srcDir` (relative lookups such as ssh2's `require('nan')` resolve as from the original), and
 * moves `build/Release/<target>.node` into place only once it loads and passes `check`.
 * Returns undefined on success, else why it failed; the build in place is then untouched.
 */
function buildAndReplace({ srcDir, target, nodedir, extraArgs = [], check = () => undefined, patchHeaders }) {
  const gyp = nodeGyp();
  if (gyp === undefined) return 'node-gyp not found';
  const work = mkdtempSync(join(srcDir, WORK_PREFIX));
  try {
    for (const entry of readdirSync(srcDir)) {
      if (entry !== 'build' && !entry.startsWith(WORK_PREFIX)) cpSync(join(srcDir, entry), join(work, entry), { recursive: true });
    }
    const headers = patchHeaders ? patchHeaders(nodedir, join(work, '.node-headers')) : nodedir;
    const env = { ...process.env };
    delete env.npm_config_nodedir; // the flag below decides
    const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${headers}`, ...extraArgs], { cwd: work, env, encoding: 'utf8' });
    const built = join(work, 'build', 'Release', `${target}.node`);
    if (r.status !== 0 || !existsSync(built)) {
      tail(r);
      return `node-gyp rebuild failed (exit ${r.status ?? r.signal})`;
    }
    const why = loadError(built) ?? check(built);
    if (why !== undefined) return `the new build does not load: ${why}`;
    const dest = join(srcDir, 'build', 'Release', `${target}.node`);
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(built, dest);
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildSha256Batch() {
  const dir = join(packageRoot, 'native');
  if (!existsSync(join(dir, 'binding.gyp'))) return;
  const nodedir = headersForThisNode() ?? headersForThisNode(true);
  const why = nodedir === undefined ? 'no Node headers found' : buildAndReplace({ srcDir: dir, target: 'sha256_batch', nodedir });
  if (why === undefined) say(`built native/sha256_batch.node against ${join(nodedir, 'include', 'node')}`);
  else warn(`native/sha256_batch.node not built (${why}); hashing uses crypto.hash per value, slower`);
}

/** The imported symbol a binding carries when its ObjectWrap registers cleanup hooks (see below). */
const HOOK_SYMBOL = 'EnvironmentCleanupHook';

/**
 * Node 24.19+ compiles cleanup hooks into every addon's `node::ObjectWrap` (node_object_wrap.h is
 * header-only), and the hook's removal aborts the process when the GC collects a wrapped object
 * outside a JavaScript context ("RemoveEnvironmentCleanupHook ... Assertion failed: (env) !=
 * nullptr"; nodejs/node#65446, mscdex/ssh2#1511). ssh2's ciphers are ObjectWraps, so a binding
 * built against these headers kills a run at some GC after a connection ends. This makes `dir` a
 * header directory in which the ObjectWrap constructor and destructor no longer register the
 * hooks (the pre-24.19 ObjectWrap; every other header is a link to the original), or throws when
 * the header has the hooks in a shape this does not know: then the binding is not built.
 */
function headersWithoutObjectWrapHooks(nodedir, dir) {
  const include = join(nodedir, 'include', 'node');
  const header = readFileSync(join(include, 'node_object_wrap.h'), 'utf8');
  if (!header.includes(HOOK_SYMBOL)) return nodedir;
  const patched = header.replace(/^\s*AddCleanupHook\(\);\n/m, '').replace(/^\s*RemoveCleanupHook\(\);\n/m, '');
  if (/^\s*(Add|Remove)CleanupHook\(\);/m.test(patched) || patched === header) {
    throw new Error(`Node ${process.version}'s ObjectWrap registers cleanup hooks in a way this script cannot remove (it could abort the process at a GC)`);
  }
  const target = join(dir, 'include', 'node');
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(include)) {
    if (entry !== 'node_object_wrap.h') symlinkSync(join(include, entry), join(target, entry));
  }
  writeFileSync(join(target, 'node_object_wrap.h'), patched);
  return dir;
}

function buildSsh2Crypto() {
  let cryptoDir;
  try {
    cryptoDir = join(dirname(require.resolve('ssh2/package.json')), 'lib', 'protocol', 'crypto');
  } catch {
    say('ssh2 is not installed; nothing to build');
    return;
  }
  const nodedir = headersForThisNode();
  if (nodedir === undefined) {
    warn(`ssh2's native crypto not built for Node ${process.version} (no headers of this Node found); SFTP works, slower`);
    return;
  }
  const opensslMajor = /^\d+/.exec(process.versions.openssl)?.[0] ?? '0';
  let why;
  try {
    why = buildAndReplace({
      srcDir: cryptoDir,
      target: 'sshcrypto',
      nodedir,
      extraArgs: [`--real_openssl_major=${opensslMajor}`],
      patchHeaders: headersWithoutObjectWrapHooks,
      check: (file) => (readFileSync(file).includes(HOOK_SYMBOL) ? 'it still registers ObjectWrap cleanup hooks' : undefined),
    });
  } catch (err) {
    why = err.message;
  }
  if (why === undefined) {
    say(`built ssh2's native crypto for Node ${process.version} against ${join(nodedir, 'include', 'node')}`);
    return;
  }
  warn(`ssh2's native crypto not built (${why}); SFTP works, slower`);
}

/** Each piece on its own: one that throws must not keep the other from being built. */
function attempt(name, build) {
  try {
    build();
  } catch (err) {
    warn(`${name} not built (${err?.message ?? err}); its fallback works, slower`);
  }
}

try {
  attempt('native/sha256_batch.node', buildSha256Batch);
  if (isOwnCheckout()) attempt("ssh2's native crypto", buildSsh2Crypto);
  else say("audience-pipe is installed as a dependency: ssh2 is left as the project's install built it");
} catch (err) {
  warn(`native builds skipped (${err?.message ?? err})`);
}
process.exitCode = 0;

#!/usr/bin/env node
// Builds the two native pieces for the Node.js that runs this script (the project's own Node 24,
// the npm package `node`, under `npm ci` / `npm run`), each optional, each with a fallback:
//
// 1. native/sha256_batch.node, our own N-API addon: SHA-256 of a whole chunk's values in one
//    call (src/transforms/sha256-batch.ts falls back to `crypto.hash` per value without it).
// 2. ssh2's native crypto binding (sshcrypto.node).
//
// Why (2): ssh2 seals every SSH packet either with one native call (the binding) or with a fresh
// createCipheriv + setAAD + final + getAuthTag in JavaScript; the second costs SFTP uploads about
// a third of their speed. ssh2's own install step builds the binding with `node-gyp --target=<the
// running Node>`, but against whatever `nodedir` npm is configured with (here /usr: the system
// Node 20's headers), so the result never loads under Node 24 ("Module did not self-register")
// and ssh2 silently falls back. The npm package `node-<platform>-<arch>` that brings our Node 24
// ships that version's headers (include/node), so we build against those.
//
// Never fails the install: without a compiler either piece stays absent and its fallback works,
// only slower; the tests then fail on `nativeCrypto: false` / the addon's absence, which says
// what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(process.cwd(), 'package.json'));
const say = (msg) => console.log(`[build-native] ${msg}`);

function loads(file) {
  // A child process: a failed dlopen must not poison this one, and the answer must be the
  // running Node's, not a cached module's.
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
  return r.status === 0;
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
  candidates.push(join(dirname(dirname(process.execPath))), '/usr', '/usr/local');
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

function gypRebuild(cwd, nodedir, gyp, extra = []) {
  const env = { ...process.env };
  delete env.npm_config_nodedir; // the flag below decides
  return spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, ...extra], { cwd, env, encoding: 'utf8' });
}

function tail(r) {
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  if (text) console.log(text);
}

function buildSha256Batch() {
  const dir = fileURLToPath(new URL('../native/', import.meta.url));
  const addon = join(dir, 'build', 'Release', 'sha256_batch.node');
  if (!existsSync(join(dir, 'binding.gyp'))) return;
  const nodedir = headersForThisNode() ?? headersForThisNode(true);
  const gyp = nodeGyp();
  if (nodedir === undefined || gyp === undefined) {
    say(`WARNING: cannot build native/sha256_batch.node (${nodedir === undefined ? 'no Node headers found' : 'node-gyp not found'}); hashing uses crypto.hash per value, slower`);
    return;
  }
  const r = gypRebuild(dir, nodedir, gyp);
  if (r.status === 0 && loads(addon)) {
    say(`built native/sha256_batch.node against ${join(nodedir, 'include', 'node')}`);
    return;
  }
  say(`WARNING: building native/sha256_batch.node failed (exit ${r.status}); hashing uses crypto.hash per value, slower`);
  tail(r);
}

function main() {
  buildSha256Batch();
  buildSsh2Crypto();
}

/**
 * Node 24.19+ compiles cleanup hooks into every addon's `node::ObjectWrap` (node_object_wrap.h is
 * header-only), and the hook's removal aborts the process when the GC collects a wrapped object
 * outside a JavaScript context ("RemoveEnvironmentCleanupHook ... Assertion failed: (env) !=
 * nullptr"; nodejs/node#65446, mscdex/ssh2#1511). ssh2's ciphers are ObjectWraps, so a binding
 * built against these headers kills a run at some GC after a connection ends. This returns a
 * header directory in which the ObjectWrap constructor and destructor no longer register the
 * hooks (the pre-24.19 ObjectWrap; every other header is a link to the original), or undefined
 * when the header has the hooks in a shape this does not know: then the binding is not built.
 */
function headersWithoutObjectWrapHooks(nodedir) {
  const include = join(nodedir, 'include', 'node');
  const header = readFileSync(join(include, 'node_object_wrap.h'), 'utf8');
  if (!header.includes('EnvironmentCleanupHook')) return { dir: nodedir, cleanup: () => undefined };
  const patched = header.replace(/^\s*AddCleanupHook\(\);\n/m, '').replace(/^\s*RemoveCleanupHook\(\);\n/m, '');
  if (/^\s*(Add|Remove)CleanupHook\(\);/m.test(patched) || patched === header) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'audience-pipe-node-headers-'));
  const target = join(dir, 'include', 'node');
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(include)) {
    if (entry !== 'node_object_wrap.h') symlinkSync(join(include, entry), join(target, entry));
  }
  writeFileSync(join(target, 'node_object_wrap.h'), patched);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function buildSsh2Crypto() {
  let cryptoDir;
  try {
    cryptoDir = join(dirname(require.resolve('ssh2/package.json')), 'lib', 'protocol', 'crypto');
  } catch {
    say('ssh2 is not installed; nothing to build');
    return;
  }
  const binding = join(cryptoDir, 'build', 'Release', 'sshcrypto.node');
  // Always rebuilt: a binding that loads may still carry the ObjectWrap hooks (see above).
  rmSync(join(cryptoDir, 'build'), { recursive: true, force: true });
  const nodedir = headersForThisNode();
  const gyp = nodeGyp();
  if (nodedir === undefined || gyp === undefined) {
    say(`WARNING: cannot build ssh2's native crypto for Node ${process.version} (${nodedir === undefined ? 'no headers of this Node found' : 'node-gyp not found'}); SFTP works, slower`);
    return;
  }
  const headers = headersWithoutObjectWrapHooks(nodedir);
  if (headers === undefined) {
    say(`WARNING: Node ${process.version}'s ObjectWrap registers cleanup hooks in a way this script cannot remove; ssh2's native crypto is not built (it could abort the process at a GC); SFTP works, slower`);
    return;
  }
  const opensslMajor = /^\d+/.exec(process.versions.openssl)?.[0] ?? '0';
  let r;
  try {
    r = gypRebuild(cryptoDir, headers.dir, gyp, [`--real_openssl_major=${opensslMajor}`]);
  } finally {
    headers.cleanup();
  }
  if (r.status === 0 && loads(binding)) {
    say(`built native crypto for Node ${process.version} against ${join(nodedir, 'include', 'node')}${headers.dir === nodedir ? '' : ' (ObjectWrap without cleanup hooks)'}`);
    return;
  }
  rmSync(join(cryptoDir, 'build'), { recursive: true, force: true });
  say(`WARNING: building ssh2's native crypto failed (exit ${r.status}); SFTP works, slower`);
  tail(r);
}

main();

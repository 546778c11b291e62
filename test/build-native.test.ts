/**
 * scripts/build-native.mjs, the postinstall step, run against fake trees: a fake node-gyp (told
 * what to produce through the environment), fake Node headers and a fake ssh2. The install must
 * never fail, a build in place is replaced only by one that loads, and ssh2 is touched only in
 * the project's own checkout.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const { dir: base, cleanup } = tempDir('ap-build-native-');
afterAll(cleanup);

/** A real addon that loads in this Node: what the fake node-gyp "builds" in copy mode. */
const LOADABLE = join(ROOT, 'native', 'build', 'Release', 'sha256_batch.node');
const OLD = Buffer.from('the build that was there before');

const FAKE_GYP = `
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const nodedir = process.argv.find((a) => a.startsWith('--nodedir=')).slice('--nodedir='.length);
let wrapRegistersHooks = null;
try {
  wrapRegistersHooks = /^\\s*(Add|Remove)CleanupHook\\(\\);/m.test(readFileSync(nodedir + '/include/node/node_object_wrap.h', 'utf8'));
} catch {}
appendFileSync(process.env.FAKE_GYP_LOG, JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2), wrapRegistersHooks }) + '\\n');
const target = /target_name['"]\\s*:\\s*['"](\\w+)/.exec(readFileSync('binding.gyp', 'utf8'))[1];
const out = 'build/Release/' + target + '.node';
const mode = process.env.FAKE_GYP_MODE;
if (mode === 'fail') { console.error('gyp ERR! fake failure'); process.exit(1); }
mkdirSync('build/Release', { recursive: true });
if (mode === 'garbage') writeFileSync(out, 'not an ELF file');
else if (mode === 'hooks') writeFileSync(out, Buffer.concat([readFileSync(process.env.FAKE_GYP_ADDON), Buffer.from('_ZN4node25AddEnvironmentCleanupHookE')]));
else copyFileSync(process.env.FAKE_GYP_ADDON, out);
`;

const WRAP_H = `class ObjectWrap {
 public:
  ObjectWrap() {
    AddCleanupHook();
  }
  virtual ~ObjectWrap() {
    RemoveCleanupHook();
  }
  void AddCleanupHook() { AddEnvironmentCleanupHook(isolate, CleanupHook, this); }
  void RemoveCleanupHook() { RemoveEnvironmentCleanupHook(isolate, CleanupHook, this); }
};
`;

interface Tree {
  root: string;
  /** The project (or app) whose node_modules holds ssh2 and the Node headers. */
  project: string;
  ownBinding: string;
  sshBinding: string;
  gypLog: string;
}

let trees = 0;

/** A project with our script and native sources, Node headers, and ssh2 with a build in place. */
function makeTree(opts: { asDependency?: boolean; wrapHeaderIsDir?: boolean } = {}): Tree {
  const root = join(base, `t${trees++}`);
  const project = join(root, 'app');
  const pkg = opts.asDependency ? join(project, 'node_modules', 'audience-pipe') : project;
  const write = (file: string, text: string | Buffer): void => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  write(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
  if (opts.asDependency) write(join(pkg, 'package.json'), JSON.stringify({ name: 'audience-pipe', version: '0.1.0' }));
  mkdirSync(join(pkg, 'scripts'), { recursive: true });
  copyFileSync(join(ROOT, 'scripts', 'build-native.mjs'), join(pkg, 'scripts', 'build-native.mjs'));
  for (const f of ['binding.gyp', 'sha256_batch.c', 'key_table.c', 'lookup_rows.c', 'key_slots.h', 'napi_args.h']) write(join(pkg, 'native', f), readFileSync(join(ROOT, 'native', f)));
  const ownBinding = join(pkg, 'native', 'build', 'Release', 'sha256_batch.node');
  write(ownBinding, OLD);

  const nm = join(project, 'node_modules');
  write(join(nm, 'node', 'package.json'), JSON.stringify({ name: 'node', version: process.versions.node }));
  const headers = join(nm, 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
  write(join(headers, 'package.json'), JSON.stringify({ name: `node-${process.platform}-${process.arch}`, version: process.versions.node }));
  write(join(headers, 'include', 'node', 'node_version.h'), `#define NODE_MODULE_VERSION ${process.versions.modules}\n`);
  write(join(headers, 'include', 'node', 'common.gypi'), '{}\n');
  write(join(headers, 'include', 'node', 'node.h'), '\n');
  if (opts.wrapHeaderIsDir) mkdirSync(join(headers, 'include', 'node', 'node_object_wrap.h'));
  else write(join(headers, 'include', 'node', 'node_object_wrap.h'), WRAP_H);

  const crypto = join(nm, 'ssh2', 'lib', 'protocol', 'crypto');
  write(join(nm, 'ssh2', 'package.json'), JSON.stringify({ name: 'ssh2', version: '1.17.0' }));
  write(join(crypto, 'binding.gyp'), "{ 'targets': [ { 'target_name': 'sshcrypto', 'sources': ['src/binding.cc'] } ] }\n");
  write(join(crypto, 'src', 'binding.cc'), '// fake\n');
  const sshBinding = join(crypto, 'build', 'Release', 'sshcrypto.node');
  write(sshBinding, OLD);
  const gyp = join(root, 'fake-node-gyp.mjs');
  write(gyp, FAKE_GYP);
  return { root, project, ownBinding, sshBinding, gypLog: join(root, 'gyp.log') };
}

function runScript(tree: Tree, mode: 'copy' | 'fail' | 'garbage' | 'hooks', asDependency = false) {
  const pkg = asDependency ? join(tree.project, 'node_modules', 'audience-pipe') : tree.project;
  const r = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-native.mjs')], {
    cwd: pkg,
    encoding: 'utf8',
    env: { ...process.env, npm_config_node_gyp: join(tree.root, 'fake-node-gyp.mjs'), FAKE_GYP_MODE: mode, FAKE_GYP_LOG: tree.gypLog, FAKE_GYP_ADDON: LOADABLE },
  });
  const gypRuns = existsSync(tree.gypLog)
    ? readFileSync(tree.gypLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cwd: string; args: string[]; wrapRegistersHooks: boolean })
    : [];
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, gypRuns };
}

/** Work directories the script makes beside the sources: none may be left behind. */
function leftovers(tree: Tree): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.audience-pipe-build-')) found.push(join(d, e.name));
      else if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  walk(tree.root);
  return found;
}

describe('build-native.mjs (postinstall)', () => {
  it('the real addon it uses as a stand-in is there (npm ci builds it)', () => {
    expect(existsSync(LOADABLE)).toBe(true);
  });

  it('replaces both builds once the new ones load, with ssh2 built against headers whose ObjectWrap has no hooks', () => {
    const tree = makeTree();
    const r = runScript(tree, 'copy');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(tree.ownBinding).equals(readFileSync(LOADABLE))).toBe(true);
    expect(readFileSync(tree.sshBinding).equals(readFileSync(LOADABLE))).toBe(true);
    expect(r.gypRuns).toHaveLength(2);
    expect(r.gypRuns.find((g) => g.cwd.includes('ssh2'))?.wrapRegistersHooks).toBe(false);
    expect(r.gypRuns.find((g) => !g.cwd.includes('ssh2'))?.wrapRegistersHooks).toBe(true);
    expect(leftovers(tree)).toEqual([]);
  });

  it('a build that fails leaves the builds in place untouched, and the install green', () => {
    const tree = makeTree();
    const r = runScript(tree, 'fail');
    expect(r.code).toBe(0);
    expect(readFileSync(tree.ownBinding).equals(OLD)).toBe(true);
    expect(readFileSync(tree.sshBinding).equals(OLD)).toBe(true);
    expect(r.stderr).toMatch(/WARNING: native\/sha256_batch.node not built \(node-gyp rebuild failed \(exit 1\)\)/);
    expect(r.stderr).toMatch(/WARNING: ssh2's native crypto not built \(node-gyp rebuild failed \(exit 1\)\); SFTP works, slower/);
    expect(leftovers(tree)).toEqual([]);
  });

  it('a build that does not load replaces nothing', () => {
    const tree = makeTree();
    const r = runScript(tree, 'garbage');
    expect(r.code).toBe(0);
    expect(readFileSync(tree.ownBinding).equals(OLD)).toBe(true);
    expect(readFileSync(tree.sshBinding).equals(OLD)).toBe(true);
    expect(r.stderr).toMatch(/sha256_batch.node not built \(the new build does not load: .+\)/);
    expect(leftovers(tree)).toEqual([]);
  });

  it('an ssh2 build that still carries the ObjectWrap cleanup hooks is not put in place', () => {
    const tree = makeTree();
    const r = runScript(tree, 'hooks');
    expect(r.code).toBe(0);
    expect(readFileSync(tree.sshBinding).equals(OLD)).toBe(true);
    expect(r.stderr).toMatch(/ssh2's native crypto not built \(the new build does not load: it still registers ObjectWrap cleanup hooks\)/);
  });

  it('a header it cannot read costs only ssh2 its build: exit 0, one warning, our addon still built', () => {
    const tree = makeTree({ wrapHeaderIsDir: true });
    const r = runScript(tree, 'copy');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARNING: ssh2's native crypto not built \(EISDIR.*\); SFTP works, slower/);
    expect(readFileSync(tree.sshBinding).equals(OLD)).toBe(true);
    expect(readFileSync(tree.ownBinding).equals(readFileSync(LOADABLE))).toBe(true);
    expect(leftovers(tree)).toEqual([]);
  });

  it('a build directory that cannot be made (a file in its place) is a warning, not a failed install', () => {
    const tree = makeTree();
    const buildDir = dirname(dirname(tree.ownBinding));
    spawnSync('rm', ['-rf', buildDir]);
    writeFileSync(buildDir, 'a file where the build directory goes');
    const r = runScript(tree, 'copy');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARNING: native\/sha256_batch.node not built \(ENOTDIR/);
    expect(readFileSync(tree.sshBinding).equals(readFileSync(LOADABLE))).toBe(true);
  });

  it('installed as a dependency, it builds its own addon and leaves the hoisted ssh2 alone', () => {
    const tree = makeTree({ asDependency: true });
    const r = runScript(tree, 'copy', true);
    expect(r.code).toBe(0);
    expect(readFileSync(tree.sshBinding).equals(OLD)).toBe(true);
    expect(r.gypRuns.map((g) => g.cwd).filter((cwd) => cwd.includes('ssh2'))).toEqual([]);
    expect(r.gypRuns).toHaveLength(1);
    expect(readFileSync(tree.ownBinding).equals(readFileSync(LOADABLE))).toBe(true);
    expect(r.stderr).toMatch(/installed as a dependency: ssh2 is left as the project's install built it/);
  });
});

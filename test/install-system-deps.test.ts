/**
 * scripts/install-system-deps.sh (run by .ci/run and before `npm test`) on a PATH of fakes: it
 * installs what the native builds and the tests need when the machine lacks it, and nothing when
 * it has it. apt-get and sudo are fakes that log their arguments.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const { dir: base, cleanup } = tempDir('ap-sysdeps-');
afterAll(cleanup);

const DRAIN = 'while IFS= read -r _; do :; done';
let n = 0;

/**
 * Runs the script with only `tools` (name -> bash body) on PATH, as a non-root user with sudo;
 * PostgreSQL's server programs are there (a fake initdb) unless `postgres` is false.
 */
function run(tools: Record<string, string | null>, postgres = true) {
  const bin = join(base, `bin${n++}`);
  mkdirSync(bin);
  const pgLib = join(bin, 'postgresql');
  if (postgres) {
    mkdirSync(join(pgLib, '16', 'bin'), { recursive: true });
    writeFileSync(join(pgLib, '16', 'bin', 'initdb'), '#!/bin/bash\n');
    chmodSync(join(pgLib, '16', 'bin', 'initdb'), 0o755);
  }
  const log = join(bin, 'calls.log');
  const all: Record<string, string | null> = {
    id: 'echo 1000',
    sudo: `echo "sudo $*" >> ${log}; "$@"`,
    'apt-get': `echo "apt-get $*" >> ${log}`,
    ...tools,
  };
  for (const [name, body] of Object.entries(all)) {
    if (body === null) continue;
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const r = spawnSync('/bin/bash', [join(ROOT, 'scripts', 'install-system-deps.sh')], { env: { PATH: bin, POSTGRES_LIB_DIR: pgLib }, encoding: 'utf8' });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { code: r.status, stderr: r.stderr, calls };
}

const installed = (calls: string[]): string[] =>
  calls.filter((c) => c.startsWith('apt-get install')).flatMap((c) => c.split(' ').filter((w) => !w.startsWith('-')).slice(2));

const HEALTHY = { python3: 'exit 0', pigz: 'exit 0', make: 'exit 0', cc: DRAIN, 'c++': DRAIN };

describe('install-system-deps.sh', () => {
  it('on a machine with nothing, installs python3 and build-essential (make, gcc, g++, libc headers) through sudo', () => {
    const r = run({});
    expect(r.code).toBe(0);
    expect(installed(r.calls)).toEqual(expect.arrayContaining(['python3', 'build-essential']));
    expect(r.calls).toContain('sudo apt-get update -qq');
    expect(r.stderr).toMatch(/installing .*python3 build-essential/);
  });

  it('installs nothing when python3, make and working C and C++ compilers are there', () => {
    const r = run(HEALTHY);
    expect(r.code).toBe(0);
    expect(installed(r.calls).filter((p) => p !== 'openssh-server' && p !== 'openssh-client')).toEqual([]);
  });

  it('a C++ compiler missing (node-gyp needs one for ssh2) is build-essential', () => {
    const { 'c++': _, ...noCxx } = HEALTHY;
    expect(installed(run(noCxx).calls)).toContain('build-essential');
  });

  it('a compiler that is there but cannot compile (no libc headers) is build-essential', () => {
    expect(installed(run({ ...HEALTHY, cc: `${DRAIN}; exit 1` }).calls)).toContain('build-essential');
  });

  it('only python3 missing installs only python3', () => {
    const { python3: _, ...noPython } = HEALTHY;
    const pkgs = installed(run(noPython).calls).filter((p) => p !== 'openssh-server' && p !== 'openssh-client');
    expect(pkgs).toEqual(['python3']);
  });

  it('pigz missing (the format benchmark compares with it) installs pigz', () => {
    const { pigz: _, ...noPigz } = HEALTHY;
    expect(installed(run(noPigz).calls).filter((p) => p !== 'openssh-server' && p !== 'openssh-client')).toEqual(['pigz']);
  });

  it('PostgreSQL missing (the reconciliation tests start a real server) installs postgresql, also on a machine with nothing', () => {
    const pkgs = (r: ReturnType<typeof run>) => installed(r.calls).filter((p) => p !== 'openssh-server' && p !== 'openssh-client');
    expect(pkgs(run(HEALTHY, false))).toEqual(['postgresql']);
    expect(pkgs(run({}, false))).toEqual(expect.arrayContaining(['python3', 'build-essential', 'pigz', 'postgresql']));
    // Any major version's server counts as there (the fake is 16, Debian 12 ships 15).
    expect(pkgs(run(HEALTHY))).toEqual([]);
  });

  it('without apt-get it names what is missing and lets the install go on', () => {
    const r = run({ 'apt-get': null });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/cannot install .*python3 build-essential pigz \(needs apt-get, as root or with sudo\)/);
    expect(r.calls).toEqual([]);
  });
});

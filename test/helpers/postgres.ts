/**
 * A real PostgreSQL server on 127.0.0.1 for one test suite (SERVERS.md, "PostgreSQL on
 * loopback"): Debian's server (installed by scripts/install-system-deps.sh) in a temporary data
 * directory, on a free port: TCP logins on 127.0.0.1 take the superuser's password (SCRAM), so
 * a test proves the password reaches the server; the helper's own psql uses the Unix socket in
 * the directory, trusted. The server refuses to run
 * as root, so a root test runs it as the `postgres` user the package creates (setpriv), which
 * must own the directory; stopped with `pg_ctl stop -m fast`, the directory removed. Written in
 * erasable TypeScript only, so a benchmark can import it with Node's type stripping.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface Postgres {
  readonly port: number;
  /** The password of the superuser `postgres` over TCP. */
  readonly password: string;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** Runs SQL through psql (ON_ERROR_STOP), returns its stdout. */
  psql(sql: string): string;
  stop(): Promise<void>;
}

const LIB = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(LIB)) return undefined;
  const majors = readdirSync(LIB).filter((v) => existsSync(join(LIB, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors.length === 0 ? undefined : join(LIB, majors[0], 'bin');
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error('no PostgreSQL server under /usr/lib/postgresql: run `bash scripts/install-system-deps.sh`');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'ap-pg-'));
  const asServer = (cmd: string, args: string[]): string[] => (root ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args] : [cmd, ...args]);
  const run = (cmd: string, args: string[]): void => {
    const [file, ...rest] = asServer(cmd, args);
    const r = spawnSync(file, rest, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}${existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : ''}`);
  };
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync']);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', 'start', '-o', `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off`]);
      break;
    } catch (err) {
      // The free-port race: another process took the port between the probe and the start.
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    password,
    url,
    psql(sql: string): string {
      return execFileSync(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-At'], { input: sql, encoding: 'utf8' });
    },
    async stop(): Promise<void> {
      try {
        run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

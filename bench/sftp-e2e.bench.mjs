// Issue 3's end-to-end SFTP target, over loopback against a real OpenSSH sshd started here:
// (a) two steps: `process` to a local file, then OpenSSH `sftp -b` put of that file;
// (b) one step: `process --out sftp://...` (the output streams to the server while produced).
// Both hash the same generated input; alternating rounds; medians; the remote files compared.
//
//   npx tsc -p tsconfig.json && node bench/sftp-e2e.bench.mjs
//   SFTP_E2E_ROWS=5000000 SFTP_E2E_ROUNDS=3 AP_DIST=dist node bench/sftp-e2e.bench.mjs
//
// Needs Node >= 23.6 (imports test/helpers/sshd.ts with type stripping), /usr/sbin/sshd and
// /usr/bin/sftp (scripts/install-system-deps.sh). Traffic stays on 127.0.0.1.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchServer } from './sftp-bench-server.mjs';

const rows = Number(process.env.SFTP_E2E_ROWS ?? 5_000_000);
const rounds = Number(process.env.SFTP_E2E_ROUNDS ?? 3);
const cli = join(process.env.AP_DIST ?? new URL('../dist', import.meta.url).pathname, 'cli/main.js');
if (!existsSync(cli)) {
  process.stderr.write('bench/sftp-e2e.bench.mjs: dist/ is missing: run `npx tsc -p tsconfig.json` first\n');
  process.exit(2);
}
const transform = ['--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256_e164', '--default-country', 'US'];
const cacheDir = join(tmpdir(), 'audience-pipe-bench');
mkdirSync(cacheDir, { recursive: true });
const input = join(cacheDir, `audience-${rows}-sftp-e2e.csv`);

const run = (cmd, args, env = {}) => new Promise((ok, fail) => {
  const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  p.on('exit', (code) => (code === 0 ? ok(err) : fail(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  return p;
});
// The CLI under GNU time when there is one: its peak RSS in MB beside the wall time.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const runCli = async (args, env = {}) => {
  if (gnuTime === undefined) {
    await run(process.execPath, [cli, ...args], env);
    return undefined;
  }
  const err = await run(gnuTime, ['-f', 'peak-kb %M', process.execPath, cli, ...args], env);
  const m = /peak-kb (\d+)\s*$/.exec(err);
  return m ? Number(m[1]) / 1024 : undefined;
};
const sha = async (path) => {
  const h = createHash('sha256');
  for await (const b of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(b);
  return h.digest('hex');
};

if (!existsSync(input)) await run(process.execPath, [cli, 'generate', '--rows', String(rows), '--seed', '1', '--out', input]);
const { server, sshOpts, serverStorage } = await startBenchServer();
// The two-step's processed file on the client's disk, where our spool also goes.
const localDir = mkdtempSync(join(tmpdir(), 'sftp-e2e-'));
try {
  const local = join(localDir, 'processed.csv');
  const sftpPut = (file, remote) => new Promise((ok, fail) => {
    const p = spawn('sftp', [...sshOpts, '-b', '-', `${server.username}@127.0.0.1`], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`sftp exited ${code}: ${err}`))));
    p.stdin.end(`put ${file} ${remote}\n`);
  });
  const common = ['--workers', String(availableParallelism()), '--log-level', 'warn', '--no-progress', ...transform];
  const sftpFlags = ['--sftp-key', server.clientKeyFile, '--sftp-host-key', server.hostKeyFingerprint];
  const sftpEnv = { AUDIENCE_PIPE_SFTP_PASSPHRASE: server.passphrase };
  const contenders = {
    'process to file, then sftp put': async (remote) => {
      const t0 = performance.now();
      const peak = await runCli(['process', '--in', input, '--out', local, ...common]);
      const t1 = performance.now();
      await sftpPut(local, remote);
      rmSync(local);
      return { total: performance.now() - t0, peak, parts: `process ${((t1 - t0) / 1000).toFixed(2)} s + put ${((performance.now() - t1) / 1000).toFixed(2)} s` };
    },
    'process --out sftp://': async (remote) => {
      const t0 = performance.now();
      const peak = await runCli(['process', '--in', input, '--out', `sftp://${server.username}@127.0.0.1:${server.port}${remote}`, ...common, ...sftpFlags], sftpEnv);
      return { total: performance.now() - t0, peak, parts: '' };
    },
  };
  // Warm the page cache and the CLI once, untimed.
  await run(process.execPath, [cli, 'process', '--in', input, '--out', join(server.files, 'warm.csv'), ...common]);
  const want = await sha(join(server.files, 'warm.csv'));
  rmSync(join(server.files, 'warm.csv'));
  const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  const peaks = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, go] of Object.entries(contenders)) {
      const remote = join(server.files, `out-${round}.csv`);
      const { total, peak, parts } = await go(remote);
      if (peak !== undefined) peaks[name].push(peak);
      if ((await sha(remote)) !== want) throw new Error(`${name}: the remote file differs from the processed output`);
      rmSync(remote);
      results[name].push(total / 1000);
      console.log(`round ${round}  ${name.padEnd(32)} ${(total / 1000).toFixed(2).padStart(6)} s  ${peak === undefined ? '' : `peak ${peak.toFixed(0)} MB  `}${parts}`);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const two = median(results['process to file, then sftp put']);
  const one = median(results['process --out sftp://']);
  console.log(`\n${rows} rows (${(statSync(input).size / 1e6).toFixed(0)} MB in), ${rounds} alternating rounds, medians:`);
  const peakOf = (name) => (peaks[name].length > 0 ? `   peak RSS ${Math.max(...peaks[name]).toFixed(0)} MB (of the audience-pipe process)` : '');
  console.log(`  process to file, then sftp put  ${two.toFixed(2)} s${peakOf('process to file, then sftp put')}`);
  console.log(`  process --out sftp://           ${one.toFixed(2)} s   (${(two / one).toFixed(2)}x; target: faster than the two steps)${peakOf('process --out sftp://')}`);
  console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}`);
  console.log(`server storage: ${serverStorage}; client files and spool: ${tmpdir()}`);
} finally {
  rmSync(localDir, { recursive: true, force: true });
  await server.stop();
}

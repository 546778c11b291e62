#!/usr/bin/env node
// The whole benchmark suite (`npm run bench`, which builds first): the stage micro-benchmarks,
// the standalone AES and phone benchmarks, the end-to-end run against DuckDB, then the SFTP
// upload and end-to-end runs against a real OpenSSH sshd on loopback, and the vendor-format jobs.
//
//   npm run bench                                   # 5,000,000 rows, 3 rounds (several minutes)
//   BENCH_ROWS=50000 npm run bench -- --quick       # CI: proves it works, under a minute
//   npm run bench -- --json /tmp/run.json           # also write all figures as one JSON file
//   node bench/compare.mjs /tmp/run.json            # then compare against bench/baseline.json
//
// Flags: --quick (short micro runs, 1 end-to-end round), --rows N and --reps R (or BENCH_ROWS,
// BENCH_REPS), --scale-rows N (or BENCH_SCALE_ROWS: also run the full job once on N rows to check
// that memory does not grow with the input), --json FILE. Each part runs as its own process; a failing part is reported and
// the suite goes on, then exits 1.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rows: { type: 'string', default: process.env.BENCH_ROWS },
    reps: { type: 'string', default: process.env.BENCH_REPS },
    'scale-rows': { type: 'string', default: process.env.BENCH_SCALE_ROWS },
    json: { type: 'string' },
  },
});
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
if (!existsSync(fileURLToPath(new URL('../dist/tools/bench/e2e.js', import.meta.url)))) {
  process.stderr.write('bench/run-all.mjs: dist/ is missing: run `npm run build` (npm run bench does)\n');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'audience-pipe-bench-suite-'));
const microJson = join(work, 'micro.json');
const e2eJson = join(work, 'e2e.json');
const reps = opts.reps ?? (opts.quick ? '1' : '3');
const parts = [
  { name: 'stage micro-benchmarks', args: [here('stages.bench.mjs'), ...(opts.quick ? ['--quick'] : []), '--json-out', microJson] },
  { name: 'AES and encoders (bench/aes.bench.mjs)', args: [here('aes.bench.mjs')] },
  { name: 'phone (bench/phone.bench.mjs)', args: [here('phone.bench.mjs')] },
  { name: 'end-to-end against DuckDB', args: [here('e2e.mjs'), ...(opts.rows ? ['--rows', opts.rows] : []), ...(opts['scale-rows'] ? ['--scale-rows', opts['scale-rows']] : []), '--reps', reps, '--json-out', e2eJson] },
  // Issue 11's vendor-format jobs: AAM inbound gzip beside pigz, the dedup job, the AAM outbound reader.
  { name: 'vendor formats (bench/formats.bench.mjs)', args: [here('formats.bench.mjs'), ...(opts.rows ? ['--rows', opts.rows] : []), '--reps', reps] },
  // Issue 12's index: the build beside `process --hash crm_id=sha256` over the same 10M profiles (50k with --quick).
  { name: 'reconcile: the profile index beside the hash job (bench/reconcile-index.bench.mjs)', args: [here('reconcile-index.bench.mjs'),
    '--rows', opts.quick ? '50000' : (opts.rows ?? '10000000'), '--reps', reps] },
  // Issue 12's matching: import-audience beside a DuckDB hash join (10M profiles and 10M IDs; 50k of each with --quick).
  { name: 'reconcile: import-audience beside DuckDB (bench/reconcile.bench.mjs)', args: [here('reconcile.bench.mjs'),
    '--profiles', opts.quick ? '50000' : (opts.rows ?? '10000000'), '--ids', opts.quick ? '50000' : (opts.rows ?? '10000000'), '--reps', reps] },
  // SFTP over loopback against a real sshd (issue 3's targets); small and once with --quick.
  { name: 'SFTP upload beside OpenSSH sftp (bench/sftp-upload.bench.mjs)', args: [here('sftp-upload.bench.mjs')],
    env: opts.quick ? { SFTP_BENCH_MB: '20', SFTP_BENCH_ROUNDS: '1' } : {} },
  { name: 'process --out sftp:// beside process + sftp put (bench/sftp-e2e.bench.mjs)', args: [here('sftp-e2e.bench.mjs')],
    env: { SFTP_E2E_ROWS: opts.rows ?? '5000000', SFTP_E2E_ROUNDS: opts.quick ? '1' : reps } },
];

const failed = [];
const started = performance.now();
try {
  for (const part of parts) {
    process.stdout.write(`\n=== ${part.name} ===\n`);
    const t0 = performance.now();
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, part.args, { stdio: 'inherit', env: { ...process.env, ...part.env } });
      child.once('error', () => resolve(1));
      child.once('close', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    process.stderr.write(`bench: ${part.name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    if (code !== 0) failed.push(part.name);
  }
  if (opts.json) {
    const read = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined);
    const micro = read(microJson);
    const e2e = read(e2eJson);
    writeFileSync(opts.json, JSON.stringify({ schema: 1, kind: 'suite', date: new Date().toISOString(), machine: e2e?.machine ?? micro?.machine, micro, e2e }, null, 2) + '\n');
    process.stderr.write(`bench: figures written to ${opts.json}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stderr.write(`bench: suite finished in ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;

#!/usr/bin/env node
// Issue 12's index target: building the profile index of N generated profiles with three data
// sources and two kept fields, beside `process --hash crm_id=sha256` over the same file (target:
// the build in at most 1.5x its time, peak RSS under 1 GiB). Each job is a child process timed
// from spawn to exit with its peak RSS (GNU time), alternating round by round, medians.
//
//   npm run build && node bench/reconcile-index.bench.mjs [--rows 1000000] [--reps 3] [--json-out f]
//
// The table is `audience-pipe generate --rows N --seed 1` (crm_id,email,phone,first_name,country,
// segment, with its empty, invalid and hashed values), cached under $TMPDIR/audience-pipe-bench/
// reconcile/. The job: profiles.id crm_id, fields first_name and country; data sources: crm_id
// hashed with sha256, the e-mail behind AES (channel email: the normalised address is indexed),
// the phone hashed with phone_sha256. Engineers on the shared 2-core box stay at or under 1M
// rows; the measured run is 10M (--rows 10000000).
//
// The build runs twice per round: with its worker threads (one per core: they read the chunks,
// this thread adds them to the index in table order) and in one thread (--workers 0), since on
// a loaded 2-core machine the threads can cost more than they give.
//
// Child mode (what the build jobs run): --child <job.json> [--workers n] builds the index once
// and prints its report as one JSON line with the build's own wall time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('reconcile/index-build.js', dist))) {
  process.stderr.write('bench/reconcile-index.bench.mjs: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '1000000' },
    reps: { type: 'string', default: process.env.BENCH_REPS ?? '3' },
    'json-out': { type: 'string' },
    child: { type: 'string' },
    workers: { type: 'string' },
  },
});

if (opts.child !== undefined) {
  // The compile cache the bin turns on (src/cli/main.ts), which the build's workers then share:
  // the child stands for a command's build.
  const { enableCompileCache } = await import('node:module');
  const { homedir } = await import('node:os');
  try {
    enableCompileCache?.(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'audience-pipe', 'node-compile-cache'));
  } catch {
    // A cache that cannot be set up only costs speed.
  }
  const { loadJobFile } = await import(new URL('reconcile/job-file.js', dist));
  const { SharedState } = await import(new URL('pool/shared-state.js', dist));
  const { defineIndexRegions } = await import(new URL('reconcile/index-layout.js', dist));
  const { buildProfileIndex } = await import(new URL('reconcile/index-build.js', dist));
  const { profileSource } = await import(new URL('reconcile/profiles/source.js', dist));
  const started = performance.now();
  const job = loadJobFile(opts.child);
  const state = new SharedState();
  const workers = opts.workers === undefined ? undefined : Number(opts.workers);
  const report = await buildProfileIndex(job, profileSource(job.profiles.table), defineIndexRegions(state, job.dataSources.length), { workers });
  process.stdout.write(JSON.stringify({ ...report, buildMs: Math.round(performance.now() - started), rssBytes: process.memoryUsage().rss }) + '\n');
  process.exit(0);
}

const { runAlternating, warmPageCache } = await import(new URL('tools/bench/e2e.js', dist));
const { detectMemoryMethod } = await import(new URL('tools/bench/measure.js', dist));
const { describeMachine, machineFacts, sourceRevision } = await import(new URL('tools/bench/machine.js', dist));
const { formatTable, grouped, megabytes, median } = await import(new URL('tools/bench/table.js', dist));

const whole = (name, v) => {
  const n = Number(String(v).replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`bench/reconcile-index.bench.mjs: --${name}: '${v}' is not a whole number >= 1\n`);
    process.exit(2);
  }
  return n;
};
const rows = whole('rows', opts.rows);
const reps = whole('reps', opts.reps);
const log = (msg) => process.stderr.write(`reconcile-index: ${msg}\n`);
const cli = fileURLToPath(new URL('cli/main.js', dist));
const self = fileURLToPath(import.meta.url);
const node = process.execPath;
const cores = availableParallelism();
const cache = join(tmpdir(), 'audience-pipe-bench', 'reconcile');
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'audience-pipe-reconcile-'));

const table = join(cache, `profiles-${rows}.csv`);
if (existsSync(table)) log(`reusing ${table}`);
else {
  log(`making ${table}`);
  execFileSync(node, [cli, 'generate', '--rows', String(rows), '--seed', '1', '--out', `${table}.part`], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('mv', [`${table}.part`, table]);
}
writeFileSync(join(work, 'k.hex'), '0123456789abcdef0123456789abcdef\n');
const jobFile = join(work, 'job.json');
writeFileSync(jobFile, JSON.stringify({
  profiles: { path: table, id: 'crm_id', email: 'email', phone: 'phone', fields: ['first_name', 'country'] },
  dataSources: [
    { label: 'CRM declared ID', alias: 'CampaignDeclaredId', dpid: 123456, type: 'declared', key: 'crm_id', protection: { hash: 'sha256' }, priority: 10 },
    { label: 'Encrypted e-mail', alias: 'CampaignEncEmail', type: 'declared', key: 'email', protection: { aes: { keyFile: 'k.hex', iv: '00112233445566778899aabbccddeeff' }, channel: 'email' }, priority: 5 },
    { label: 'Hashed phone', alias: 'CampaignPhone', type: 'declared', key: 'phone', protection: { hash: 'phone_sha256' }, priority: 1 },
  ],
}, null, 2));

// The build's own report, once (not timed): the counts the timed runs reproduce.
const report = JSON.parse(execFileSync(node, [self, '--child', jobFile], { encoding: 'utf8' }));
const input = { path: table, rows, bytes: statSync(table).size };
const jobs = [
  { id: 'index', label: `build the profile index (3 sources, 2 kept fields; ${cores} workers)`, argv: [node, self, '--child', jobFile, '--workers', String(cores)] },
  { id: 'index-1', label: 'the same build in one thread (--workers 0)', argv: [node, self, '--child', jobFile, '--workers', '0'] },
  { id: 'hash', label: `process --hash crm_id=sha256 (${cores} workers)`, argv: [node, cli, 'process', '--in', table, '--out', join(work, 'hashed.csv'), '--hash', 'crm_id=sha256', '--workers', String(cores), '--log-level', 'warn', '--no-progress', '--max-rejects', 'none'], output: join(work, 'hashed.csv') },
];
const method = detectMemoryMethod();
const machine = machineFacts();
try {
  await warmPageCache(table);
  log(`${grouped(rows)} profiles (${(input.bytes / 1e6).toFixed(1)} MB): ${jobs.length} jobs x ${reps} rounds; ${describeMachine(machine)}`);
  const results = await runAlternating(jobs, input, {
    reps,
    method,
    onRun: (job, rep, run) => log(`round ${rep + 1}/${reps} ${job.id}: ${(run.wallMs / 1000).toFixed(2)} s, peak ${megabytes(run.peakRssBytes)}`),
  });
  const [index, oneThread, hash] = results;
  const ratio = median(index.runs.map((run, i) => run.wallMs / hash.runs[i].wallMs));
  const ratioOne = median(oneThread.runs.map((run, i) => run.wallMs / hash.runs[i].wallMs));
  const doc = { schema: 1, kind: 'reconcile-index', date: new Date().toISOString(), machine, source: sourceRevision(), reps, memoryMethod: method, input, report, jobs: results, ratio, ratioOneThread: ratioOne, loadAtEnd: Math.round(loadavg()[0] * 100) / 100 };
  if (opts['json-out']) writeFileSync(opts['json-out'], JSON.stringify(doc, null, 2) + '\n');
  const lines = [
    `profile index of ${grouped(rows)} profiles (${(input.bytes / 1e6).toFixed(1)} MB), median of ${reps} alternating round${reps === 1 ? '' : 's'}`,
    // CPU time (all threads) beside wall time: on a loaded machine it says more of the work itself.
    formatTable(['job', 'wall (median)', 'best', 'CPU (median)', 'profiles/s', 'peak RSS'], results.map((r) => [r.label, `${(r.medianWallMs / 1000).toFixed(2)} s`, `${(r.bestWallMs / 1000).toFixed(2)} s`, r.medianCpuMs === undefined ? '-' : `${(r.medianCpuMs / 1000).toFixed(2)} s`, grouped(r.rowsPerSec), megabytes(r.peakRssBytes)])),
    `index / hash: ${ratio.toFixed(2)}x with ${cores} workers, ${ratioOne.toFixed(2)}x in one thread (median per-round ratios of wall times; target <= 1.5x); best runs ${(index.bestWallMs / hash.bestWallMs).toFixed(2)}x, ${(oneThread.bestWallMs / hash.bestWallMs).toFixed(2)}x`,
    `index peak RSS ${megabytes(index.peakRssBytes)} with workers, ${megabytes(oneThread.peakRssBytes)} in one thread (target < 1 GiB at 10M)`,
    `index: ${grouped(report.profiles)} profiles, ${megabytes(report.bytes)} shared; ${report.sources.map((s) => `${s.alias} ${grouped(s.indexed)} indexed, ${grouped(s.duplicates)} duplicates, ${grouped(s.empty)} empty, ${grouped(s.invalid)} invalid`).join('; ')}`,
    `${describeMachine(machine)}; load at end ${doc.loadAtEnd}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}

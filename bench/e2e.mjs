#!/usr/bin/env node
// End-to-end benchmark: DuckDB (issue 4's statement) and audience-pipe on the same file, in one
// run, alternating job by job for R rounds; medians, the median per-round ratio against DuckDB,
// peak memory, the machine's facts, and issue 4's targets met or missed.
//
//   npm run build && node bench/e2e.mjs [--rows 5000000] [--reps 3] [--seed 1] [--jobs a,b]
//                                      [--scale-rows 20000000] [--json] [--json-out file]
//
// --rows      input rows (default 5,000,000 or $BENCH_ROWS); the input is generated with the
//             built seeded generator into $TMPDIR/audience-pipe-bench/ once and reused
// --reps      rounds (default 3 or $BENCH_REPS)
// --jobs      subset of: duckdb, hash-1, hash-all, aes, full (default all)
// --scale-rows  afterwards, run the full job once on this many rows and compare its peak memory
// --json      print JSON on stdout instead of the table; --json-out also writes it to a file
//
// Every job is a child process (node dist/cli/main.js process ..., node bench/duckdb-job.mjs),
// timed from spawn to exit; peak RSS comes from GNU time when present, else /proc polling.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('tools/bench/e2e.js', dist))) {
  process.stderr.write('bench/e2e.mjs: dist/ is missing or stale: run `npm run build` first\n');
  process.exit(2);
}
const { generateInput, processArgv, runAlternating, warmPageCache } = await import(new URL('tools/bench/e2e.js', dist));
const { detectMemoryMethod, MEMORY_METHOD_TEXT } = await import(new URL('tools/bench/measure.js', dist));
const { describeMachine, machineFacts, sourceRevision } = await import(new URL('tools/bench/machine.js', dist));
const { formatTable, grouped, median, megabytes } = await import(new URL('tools/bench/table.js', dist));

const JOB_IDS = ['duckdb', 'hash-1', 'hash-all', 'aes', 'full'];
const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '5000000' },
    reps: { type: 'string', default: process.env.BENCH_REPS ?? '3' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: JOB_IDS.join(',') },
    'scale-rows': { type: 'string' },
    'cache-dir': { type: 'string', default: join(tmpdir(), 'audience-pipe-bench') },
    json: { type: 'boolean', default: false },
    'json-out': { type: 'string' },
  },
});
const whole = (name, v, min) => {
  const n = Number(String(v).replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < min) usage(`--${name}: '${v}' is not a whole number >= ${min}`);
  return n;
};
function usage(msg) {
  process.stderr.write(`bench/e2e.mjs: ${msg}\n`);
  process.exit(2);
}
const rows = whole('rows', opts.rows, 1);
const reps = whole('reps', opts.reps, 1);
const seed = whole('seed', opts.seed, 0);
const scaleRows = opts['scale-rows'] === undefined ? undefined : whole('scale-rows', opts['scale-rows'], 1);
const wanted = opts.jobs.split(',').map((s) => s.trim()).filter(Boolean);
for (const j of wanted) if (!JOB_IDS.includes(j)) usage(`--jobs: unknown job '${j}' (jobs: ${JOB_IDS.join(', ')})`);

const log = (msg) => process.stderr.write(`e2e: ${msg}\n`);
const cpuText = (ms) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const machine = machineFacts();
const method = detectMemoryMethod();
const cores = availableParallelism();

// Inputs are cached by (rows, seed, generator source): a changed generator never reuses stale bytes.
// Every module of the generator counts, so a file added to or split off it needs no edit here.
const generatorDir = new URL('tools/generate/', dist);
const generatorHash = createHash('sha256');
for (const file of readdirSync(generatorDir).filter((f) => f.endsWith('.js')).sort()) {
  generatorHash.update(file).update(readFileSync(new URL(file, generatorDir)));
}
const generatorId = generatorHash.digest('hex').slice(0, 10);
mkdirSync(opts['cache-dir'], { recursive: true });
async function inputOf(n) {
  const path = join(opts['cache-dir'], `audience-${n}-s${seed}-${generatorId}.csv`);
  if (existsSync(path)) {
    log(`reusing ${path}`);
    return { path, rows: n, bytes: statSync(path).size, reused: true };
  }
  log(`generating ${grouped(n)} rows (seed ${seed}) into ${path}`);
  return { ...(await generateInput(path, n, seed)), reused: false };
}

const work = mkdtempSync(join(tmpdir(), 'audience-pipe-e2e-'));
const keyFile = join(work, 'key.hex');
writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n');
const AES = ['--aes-key-file', keyFile, '--aes-iv', '00112233445566778899aabbccddeeff'];
const HASH = ['--hash', 'email=email_lc_sha256'];
const FULL = [...HASH, '--hash', 'phone=phone_sha256', '--default-country', 'US', '--encrypt', 'crm_id', ...AES];
const duckdbScript = fileURLToPath(new URL('duckdb-job.mjs', import.meta.url));

function jobsFor(input) {
  const out = (id) => join(work, `${id}.csv`);
  const all = [
    { id: 'duckdb', label: 'DuckDB: sha256(lower(trim(email)))', workers: undefined, argv: [process.execPath, duckdbScript, input.path, out('duckdb')] },
    { id: 'hash-1', label: 'hash email, 1 worker', workers: 1, argv: processArgv(input.path, out('hash-1'), 1, HASH) },
    { id: 'hash-all', label: `hash email, ${cores} workers`, workers: cores, argv: processArgv(input.path, out('hash-all'), cores, HASH) },
    { id: 'aes', label: `AES crm_id, ${cores} workers`, workers: cores, argv: processArgv(input.path, out('aes'), cores, ['--encrypt', 'crm_id', ...AES]) },
    { id: 'full', label: `full: email+phone+AES, ${cores} workers`, workers: cores, argv: processArgv(input.path, out('full'), cores, FULL) },
  ];
  return all
    .filter((j) => wanted.includes(j.id))
    .filter((j) => !(j.id === 'hash-all' && cores === 1 && wanted.includes('hash-1')))
    .map((j) => ({ ...j, output: out(j.id) }));
}

try {
  const input = await inputOf(rows);
  await warmPageCache(input.path);
  const jobs = jobsFor(input);
  log(`${jobs.length} jobs x ${reps} rounds on ${grouped(rows)} rows (${(input.bytes / 1e6).toFixed(1)} MB); ${describeMachine(machine)}`);
  const results = await runAlternating(jobs, input, {
    reps,
    method,
    onRun: (job, rep, run) => log(`round ${rep + 1}/${reps} ${job.label}: ${(run.wallMs / 1000).toFixed(2)} s, CPU ${cpuText(run.cpuMs)}, peak ${megabytes(run.peakRssBytes)}`),
  });
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  const duck = byId.duckdb;
  for (const r of results) {
    r.ratioVsDuckdb = duck ? median(r.runs.map((run, i) => duck.runs[i].wallMs / run.wallMs)) : undefined;
  }

  let scale;
  if (scaleRows !== undefined && byId.full) {
    const big = await inputOf(scaleRows);
    await warmPageCache(big.path);
    const [res] = await runAlternating(jobsFor(big).filter((j) => j.id === 'full'), big, {
      reps: 1,
      method,
      onRun: (job, _rep, run) => log(`scale ${grouped(scaleRows)} rows ${job.label}: ${(run.wallMs / 1000).toFixed(2)} s, peak ${megabytes(run.peakRssBytes)}`),
    });
    scale = { rows: scaleRows, bytes: big.bytes, full: res, peakVsBase: res.peakRssBytes / byId.full.peakRssBytes };
  }

  const targets = evaluateTargets(byId, scale);
  const doc = {
    schema: 1,
    kind: 'e2e',
    date: new Date().toISOString(),
    machine,
    source: sourceRevision(),
    input: { rows, bytes: input.bytes, seed, generatorId },
    reps,
    memoryMethod: method,
    loadAtEnd: Math.round(loadavg()[0] * 100) / 100,
    jobs: results,
    scale,
    targets,
  };
  if (opts['json-out']) writeFileSync(opts['json-out'], JSON.stringify(doc, null, 2) + '\n');
  if (opts.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  else process.stdout.write(render(doc) + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}

function evaluateTargets(byId, scale) {
  const t = [];
  const add = (id, text, value, goal, met, unit = 'x') => t.push({ id, text, value, goal, unit, met });
  const { duckdb, 'hash-1': h1, 'hash-all': hn, aes, full } = byId;
  if (hn && duckdb) add('hash-vs-duckdb', `hash job >= 2x DuckDB`, hn.ratioVsDuckdb, 2, hn.ratioVsDuckdb >= 2);
  if (aes && hn) {
    const v = median(aes.runs.map((run, i) => hn.runs[i].wallMs / run.wallMs));
    add('aes-vs-hash', 'AES job >= 0.8x our hash job', v, 0.8, v >= 0.8);
  }
  if (full && duckdb) add('full-vs-duckdb', 'full job faster than DuckDB hash', full.ratioVsDuckdb, 1, full.ratioVsDuckdb > 1);
  if (full && full.peakRssBytes !== undefined) {
    const v = full.peakRssBytes / 1e6;
    add('full-peak-memory', `full job peak memory < 200 MB (${grouped(rows)} rows)`, v, 200, v < 200, 'MB');
  }
  if (scale && scale.full.peakRssBytes !== undefined) {
    add('full-memory-flat', `full job peak on ${grouped(scale.rows)} rows within 10% of ${grouped(rows)} rows`, scale.peakVsBase, 1.1, scale.peakVsBase <= 1.1);
  }
  if (h1 && hn && hn !== h1 && hn.workers > 1) {
    const v = median(hn.runs.map((run, i) => h1.runs[i].wallMs / run.wallMs));
    add('workers-scaling', `${hn.workers} workers >= 1.6x 1 worker (hash job)`, v, 1.6, v >= 1.6);
  }
  return t;
}

function render(doc) {
  const rowsOut = doc.jobs.map((r) => [
    r.label,
    `${(r.medianWallMs / 1000).toFixed(2)} s`,
    `${(r.bestWallMs / 1000).toFixed(2)} s`,
    grouped(r.rowsPerSec),
    r.mbPerSec.toFixed(1),
    cpuText(r.medianCpuMs),
    megabytes(r.peakRssBytes),
    r.ratioVsDuckdb === undefined ? '' : `${r.ratioVsDuckdb.toFixed(2)}x`,
  ]);
  const lines = [
    `End-to-end: ${grouped(doc.input.rows)} rows, ${(doc.input.bytes / 1e6).toFixed(1)} MB (seed ${doc.input.seed}), median of ${doc.reps} alternating round${doc.reps === 1 ? '' : 's'}`,
    formatTable(['job', 'wall (median)', 'best', 'rows/s', 'MB/s', 'CPU (median)', 'peak RSS', 'vs DuckDB'], rowsOut),
    '',
  ];
  if (doc.scale) {
    lines.push(`scale: full job on ${grouped(doc.scale.rows)} rows: ${(doc.scale.full.medianWallMs / 1000).toFixed(2)} s, ${grouped(doc.scale.full.rowsPerSec)} rows/s, peak ${megabytes(doc.scale.full.peakRssBytes)} (${doc.scale.peakVsBase.toFixed(2)}x the ${grouped(doc.input.rows)}-row peak)`, '');
  }
  if (doc.targets.length > 0) {
    lines.push(
      formatTable(
        ['target (issue 4)', 'measured', 'goal', ''],
        doc.targets.map((t) => [t.text, t.unit === 'x' ? `${t.value.toFixed(2)}x` : `${t.value.toFixed(0)} MB`, `${t.goal}${t.unit === 'x' ? 'x' : ' MB'}`, t.met ? 'met' : 'MISSED']),
      ),
      '',
    );
  }
  lines.push(
    `rows/s and MB/s from the median wall time; best = fastest round; MB = 10^6 bytes of input`,
    `vs DuckDB: median over rounds of (DuckDB wall / job wall) in the same round`,
    `each run is a child process timed from spawn to exit (start-up included); DuckDB uses its default threads (${doc.machine.cores})`,
    `${MEMORY_METHOD_TEXT[doc.memoryMethod]}; peak RSS is the highest over the rounds`,
    `CPU: user + system time of the child, all threads; wall well above CPU / cores means waiting, not working`,
    `machine: ${describeMachine(doc.machine)}, load ${doc.loadAtEnd} at end; source ${doc.source ?? 'unknown'}`,
  );
  return lines.join('\n');
}

#!/usr/bin/env node
// The vendor-format jobs of issue 11, each a child process timed from spawn to exit with its peak
// RSS (GNU time), alternating round by round, medians:
//
//   aam-gz       AEP CSV -> AAM inbound .gz parts in a directory (gzip in our pipeline)
//   aam-pigz     the same AAM inbound output to stdout, gzipped by `pigz -p 2` (Debian's pigz)
//   dedup        10,000,000 rows, each key twice: --dedup-key crm_id (5,000,000 distinct keys)
//   read-aam     the AAM outbound reader: --from aam-outbound --hash id=sha256
//   read-csv     the CSV reader on the same rows as CSV (id,segments,removed_segments): --hash id=sha256
//
//   npm run build && node bench/formats.bench.mjs [--rows 5000000] [--dedup-rows 10000000] [--reps 3]
//                                                [--jobs aam-gz,aam-pigz,dedup,read-aam,read-csv] [--json-out f]
//
// Inputs are generated once per (rows, seed) under $TMPDIR/audience-pipe-bench/formats/ and
// reused. pigz comes from scripts/install-system-deps.sh; without it the aam-pigz job is skipped
// and says why.
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('tools/bench/e2e.js', dist))) {
  process.stderr.write('bench/formats.bench.mjs: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const { runAlternating, warmPageCache } = await import(new URL('tools/bench/e2e.js', dist));
const { detectMemoryMethod } = await import(new URL('tools/bench/measure.js', dist));
const { describeMachine, machineFacts, sourceRevision } = await import(new URL('tools/bench/machine.js', dist));
const { formatTable, grouped, megabytes, median } = await import(new URL('tools/bench/table.js', dist));

const JOB_IDS = ['aam-gz', 'aam-pigz', 'dedup', 'read-aam', 'read-csv'];
const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '5000000' },
    'dedup-rows': { type: 'string' },
    reps: { type: 'string', default: process.env.BENCH_REPS ?? '3' },
    jobs: { type: 'string', default: JOB_IDS.join(',') },
    'json-out': { type: 'string' },
  },
});
const whole = (name, v) => {
  const n = Number(String(v).replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`bench/formats.bench.mjs: --${name}: '${v}' is not a whole number >= 1\n`);
    process.exit(2);
  }
  return n;
};
const rows = whole('rows', opts.rows);
// Each key twice: half as many distinct keys as rows (issue 11: 10M rows, 5M distinct keys).
const dedupRows = whole('dedup-rows', opts['dedup-rows'] ?? String(rows * 2));
const reps = whole('reps', opts.reps);
const wanted = opts.jobs.split(',').map((s) => s.trim()).filter(Boolean);
for (const j of wanted) if (!JOB_IDS.includes(j)) {
  process.stderr.write(`bench/formats.bench.mjs: --jobs: unknown job '${j}' (jobs: ${JOB_IDS.join(', ')})\n`);
  process.exit(2);
}
const log = (msg) => process.stderr.write(`formats: ${msg}\n`);
const cli = fileURLToPath(new URL('cli/main.js', dist));
const node = process.execPath;
const cores = availableParallelism();
const method = detectMemoryMethod();
const cache = join(tmpdir(), 'audience-pipe-bench', 'formats');
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'audience-pipe-formats-'));
const quiet = ['--log-level', 'warn', '--no-progress', '--workers', String(cores)];

/** Runs the CLI once to make an input, into a temporary name first. */
function make(path, argv, shell) {
  if (existsSync(path)) return log(`reusing ${path}`);
  log(`making ${path}`);
  const part = `${path}.part`;
  if (shell) execFileSync('bash', ['-c', `{ ${shell}; } > '${part}'`], { stdio: ['ignore', 'ignore', 'inherit'] });
  else execFileSync(node, [cli, ...argv, '--out', part], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('mv', [part, path]);
}

const generated = join(cache, `audience-${rows}.csv`);
const aep = join(cache, `aep-${rows}.csv`);
const aamOut = join(cache, `aam-outbound-${rows}.txt`);
const aamAsCsv = join(cache, `aam-outbound-${rows}.csv`);
const doubled = join(cache, `dedup-${dedupRows}.csv`);
const input = (path, n) => ({ path, rows: n, bytes: statSync(path).size });

const needs = (...ids) => ids.some((id) => wanted.includes(id));
if (needs('aam-gz', 'aam-pigz', 'dedup')) make(generated, ['generate', '--rows', String(rows), '--seed', '1']);
if (needs('aam-gz', 'aam-pigz')) make(aep, ['process', '--in', generated, '--to', 'aep-csv', '--passthrough', ...quiet]);
if (needs('read-aam', 'read-csv')) make(aamOut, ['generate', '--rows', String(rows), '--seed', '1', '--format', 'aam-outbound']);
if (needs('read-csv')) make(aamAsCsv, ['process', '--in', aamOut, '--from', 'aam-outbound', '--passthrough', ...quiet]);
if (needs('dedup')) {
  // The generated rows, then the first half of them again: every key of the first half twice.
  const half = Math.floor(dedupRows / 2);
  const source = join(cache, `audience-${half}.csv`);
  make(source, ['generate', '--rows', String(half), '--seed', '1']);
  make(doubled, [], `cat '${source}'; tail -n +2 '${source}'`);
}

const hasPigz = spawnSync('pigz', ['--version'], { stdio: 'ignore' }).status === 0;
const AAM = ['--to', 'aam-inbound', '--id-column', 'email', '--hash', 'email=email_lc_sha256', '--trait', 'd_sid=123456', '--signal', 'country', '--dpid', '1234', '--timestamp', '1764547200', '--max-rejects', 'none'];
const groups = [];
if (needs('aam-gz', 'aam-pigz')) {
  const jobs = [];
  const dir = join(work, 'aam');
  if (wanted.includes('aam-gz')) jobs.push({ id: 'aam-gz', label: `AEP CSV -> AAM inbound .gz parts (ours, ${cores} workers)`, argv: ['bash', '-c', `rm -rf '${dir}' && mkdir -p '${dir}' && exec '${node}' '${cli}' process --in '${aep}' --from aep-csv --out '${dir}/' --gzip --split-bytes 1GB ${AAM.join(' ')} ${quiet.join(' ')}`] });
  if (wanted.includes('aam-pigz')) {
    if (hasPigz) jobs.push({ id: 'aam-pigz', label: 'same to stdout | pigz -p 2', argv: ['bash', '-c', `set -o pipefail; '${node}' '${cli}' process --in '${aep}' --from aep-csv ${AAM.join(' ')} ${quiet.join(' ')} | pigz -p 2 > '${join(work, 'pigz.gz')}'`], output: join(work, 'pigz.gz') });
    else log('aam-pigz skipped: pigz is not installed (scripts/install-system-deps.sh installs it)');
  }
  groups.push({ title: `AEP CSV to AAM inbound gzip, ${grouped(rows)} rows`, input: input(aep, rows), jobs });
}
if (wanted.includes('dedup')) {
  groups.push({ title: `dedup on crm_id, ${grouped(dedupRows)} rows, each key twice`, input: input(doubled, dedupRows), jobs: [
    { id: 'dedup', label: `--dedup-key crm_id (${cores} workers)`, argv: [node, cli, 'process', '--in', doubled, '--out', join(work, 'dedup.csv'), '--dedup-key', 'crm_id', '--hash', 'email=email_lc_sha256', '--max-rejects', 'none', ...quiet], output: join(work, 'dedup.csv') },
  ] });
}
if (needs('read-aam', 'read-csv')) {
  const jobs = [];
  if (wanted.includes('read-aam')) jobs.push({ id: 'read-aam', label: 'AAM outbound reader: --from aam-outbound --hash id=sha256', argv: [node, cli, 'process', '--in', aamOut, '--from', 'aam-outbound', '--hash', 'id=sha256', '--out', join(work, 'read-aam.csv'), ...quiet], output: join(work, 'read-aam.csv') });
  if (wanted.includes('read-csv')) jobs.push({ id: 'read-csv', label: 'CSV reader, same rows: --hash id=sha256', argv: [node, cli, 'process', '--in', aamAsCsv, '--hash', 'id=sha256', '--out', join(work, 'read-csv.csv'), ...quiet], output: join(work, 'read-csv.csv') });
  groups.push({ title: `readers, ${grouped(rows)} rows`, input: input(aamOut, rows), jobs });
}

const machine = machineFacts();
const doc = { schema: 1, kind: 'formats', date: new Date().toISOString(), machine, source: sourceRevision(), reps, memoryMethod: method, groups: [] };
try {
  for (const g of groups) {
    await warmPageCache(g.input.path);
    log(`${g.title}: ${g.jobs.length} jobs x ${reps} rounds; ${describeMachine(machine)}`);
    const results = await runAlternating(g.jobs, g.input, {
      reps,
      method,
      onRun: (job, rep, run) => log(`round ${rep + 1}/${reps} ${job.label}: ${(run.wallMs / 1000).toFixed(2)} s, peak ${megabytes(run.peakRssBytes)}`),
    });
    doc.groups.push({ title: g.title, input: g.input, jobs: results });
  }
  doc.loadAtEnd = Math.round(loadavg()[0] * 100) / 100;
  if (opts['json-out']) writeFileSync(opts['json-out'], JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(render(doc) + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}

function render(d) {
  const lines = [];
  for (const g of d.groups) {
    lines.push(`${g.title} (${(g.input.bytes / 1e6).toFixed(1)} MB), median of ${d.reps} alternating round${d.reps === 1 ? '' : 's'}`);
    const cpu = (ms) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
    lines.push(formatTable(['job', 'wall (median)', 'best', 'rows/s', 'CPU (median)', 'peak RSS'], g.jobs.map((r) => [r.label, `${(r.medianWallMs / 1000).toFixed(2)} s`, `${(r.bestWallMs / 1000).toFixed(2)} s`, grouped(r.rowsPerSec), cpu(r.medianCpuMs), megabytes(r.peakRssBytes)])));
    const [a, b] = g.jobs;
    if (a && b) lines.push(`${a.id} vs ${b.id}: ${median(a.runs.map((run, i) => b.runs[i].wallMs / run.wallMs)).toFixed(2)}x (median per-round ratio of wall times; > 1: ${a.id} faster)`);
    lines.push('');
  }
  lines.push(`${describeMachine(d.machine)}; load at end ${d.loadAtEnd}`);
  return lines.join('\n');
}

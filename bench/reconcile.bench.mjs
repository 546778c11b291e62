#!/usr/bin/env node
// Issue 12's matching target: `import-audience` reconciling N incoming IDs (an AAM outbound file,
// a known share of them the sha256 of a profile's crm_id) against P generated profiles (three data
// sources, two kept fields), beside DuckDB doing the same reconcile as a hash join
// (`sha256(trim(crm_id))` of the profiles joined to the incoming IDs, matched pairs written to
// CSV). Targets: matching >= 2,000,000 IDs/s with 2 workers; ours >= 1.5x DuckDB's speed at under
// half its peak memory. Each job is a child process timed from spawn to exit with its peak RSS
// (GNU time), alternating round by round, medians.
//
//   npm run build && node bench/reconcile.bench.mjs [--profiles 1000000] [--ids 1000000] [--share 0.6] [--reps 3] [--json-out f]
//
// The profile table is `audience-pipe generate --rows P --seed 1` (cached under
// $TMPDIR/audience-pipe-bench/reconcile/, the file bench/reconcile-index.bench.mjs uses too); the
// job: profiles.id crm_id, fields first_name and country; data sources: crm_id hashed with sha256
// (dpid 123456), the e-mail behind AES (channel email), the phone hashed with phone_sha256. The
// incoming file is named `ftp_1234_123456_full_<ts>.sync` (the declared-hash source's DPID: the run
// matches with it alone, as DuckDB's join does): rows `<id>\t<segments>\t<removed>`, a share
// --share of them the sha256 of a seeded pick of the table's non-empty crm_ids (upper or lower
// case hex), the rest hashes of nothing in the table. Both sides' matched counts are printed; they
// differ only by the table's duplicate crm_ids (the join writes every pair, import-audience the
// first profile of a key, and counts the others in the report).
//
// "matching" is import-audience's own figure: IDs / (the run's duration - the index build's), both
// from its report; "total" is the child's wall time, index build included, as DuckDB's is.
// Engineers on the shared 2-core box stay at or under 1M; the measured run is
// --profiles 10000000 --ids 10000000.
//
// Child mode: --duckdb-child <profiles.csv> <ids.sync> <out.csv> runs the join in this process.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    profiles: { type: 'string', default: process.env.BENCH_PROFILES ?? '1000000' },
    ids: { type: 'string', default: process.env.BENCH_IDS ?? '1000000' },
    share: { type: 'string', default: '0.6' },
    reps: { type: 'string', default: process.env.BENCH_REPS ?? '3' },
    workers: { type: 'string', default: '2' },
    'json-out': { type: 'string' },
    'duckdb-child': { type: 'boolean', default: false },
  },
});

if (opts['duckdb-child']) {
  const [profiles, ids, out] = positionals;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const sql = (s) => `'${s.replaceAll("'", "''")}'`;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(
    `COPY (SELECT i.id, p.crm_id, i.segments, i.removed, p.first_name, p.country ` +
      `FROM read_csv(${sql(ids)}, delim='\\t', header=false, quote='', escape='', null_padding=true, ` +
      `columns={'id': 'VARCHAR', 'segments': 'VARCHAR', 'removed': 'VARCHAR'}) AS i ` +
      `JOIN (SELECT sha256(trim(crm_id)) AS h, crm_id, first_name, country FROM read_csv(${sql(profiles)}, header=true, all_varchar=true) WHERE trim(crm_id) <> '') AS p ` +
      `ON lower(i.id) = p.h) TO ${sql(out)} (HEADER)`,
  );
  const rows = reader.getRows();
  process.stdout.write(JSON.stringify({ matched: Number(rows[0]?.[0] ?? -1) }) + '\n');
  connection.closeSync();
  instance.closeSync();
  process.exit(0);
}

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('cli/import-audience-command.js', dist))) {
  process.stderr.write('bench/reconcile.bench.mjs: dist/ is missing or old: run `npm run build` first\n');
  process.exit(2);
}
const { runAlternating, warmPageCache } = await import(new URL('tools/bench/e2e.js', dist));
const { detectMemoryMethod } = await import(new URL('tools/bench/measure.js', dist));
const { describeMachine, machineFacts, sourceRevision } = await import(new URL('tools/bench/machine.js', dist));
const { formatTable, grouped, megabytes, median } = await import(new URL('tools/bench/table.js', dist));

const whole = (name, v) => {
  const n = Number(String(v).replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`bench/reconcile.bench.mjs: --${name}: '${v}' is not a whole number >= 1\n`);
    process.exit(2);
  }
  return n;
};
const profiles = whole('profiles', opts.profiles);
const idCount = whole('ids', opts.ids);
const reps = whole('reps', opts.reps);
const workers = whole('workers', opts.workers);
const share = Number(opts.share);
if (!(share >= 0 && share <= 1)) {
  process.stderr.write(`bench/reconcile.bench.mjs: --share: '${opts.share}' is not between 0 and 1\n`);
  process.exit(2);
}
const log = (msg) => process.stderr.write(`reconcile: ${msg}\n`);
const cli = fileURLToPath(new URL('cli/main.js', dist));
const self = fileURLToPath(import.meta.url);
const node = process.execPath;
const cache = join(tmpdir(), 'audience-pipe-bench', 'reconcile');
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'audience-pipe-reconcile-match-'));

/** mulberry32: the incoming file is the same for the same arguments. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const table = join(cache, `profiles-${profiles}.csv`);
if (existsSync(table)) log(`reusing ${table}`);
else {
  log(`making ${table}`);
  execFileSync(node, [cli, 'generate', '--rows', String(profiles), '--seed', '1', '--out', `${table}.part`], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(`${table}.part`, table);
}

// The incoming IDs: a seeded share of the table's crm_ids, hashed; the others hash nothing of it.
// The parameters name the directory, not the file: the file's name must stay a true AAM outbound name
// (`ftp_<destination>_<DPID>_full_<timestamp>.sync`), whose DPID selects the declared-hash source.
const idsDir = join(cache, `ids-${profiles}-${idCount}-${share}-v3`);
mkdirSync(idsDir, { recursive: true });
const idsFile = join(idsDir, 'ftp_1234_123456_full_1486140843000.sync');
let expectedMatching = 0;
const countFile = `${idsFile}.count`;
if (existsSync(idsFile) && existsSync(countFile)) {
  log(`reusing ${idsFile}`);
  expectedMatching = Number(readFileSync(countFile, 'utf8'));
} else {
  log(`making ${idsFile} (${grouped(idCount)} IDs, ${Math.round(share * 100)}% of them profiles' crm_id)`);
  const crm = [];
  const lines = createInterface({ input: createReadStream(table), crlfDelay: Infinity });
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    // crm_id is the first column, quoted now and then by the generator (a quoted one may hold a comma).
    let id;
    if (line.startsWith('"')) {
      let end = 1;
      for (;;) {
        const q = line.indexOf('"', end);
        if (q < 0 || line[q + 1] !== '"') {
          end = q < 0 ? line.length : q;
          break;
        }
        end = q + 2;
      }
      id = line.slice(1, end).replaceAll('""', '"').trim();
    } else id = line.slice(0, line.indexOf(',')).trim();
    if (id !== '') crm.push(id);
  }
  const r = prng(12);
  const out = createWriteStream(`${idsFile}.part`);
  let batch = '';
  for (let i = 0; i < idCount; i++) {
    const matching = r() < share;
    let id = createHash('sha256').update(matching ? crm[Math.floor(r() * crm.length)] : `stranger-${i}`).digest('hex');
    if (matching) expectedMatching++;
    if (r() < 0.5) id = id.toUpperCase();
    const segs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => 1000 + Math.floor(r() * 9000)).join(',');
    batch += `${id}\t${segs}\t${r() < 0.5 ? 1000 + Math.floor(r() * 9000) : ''}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
  renameSync(`${idsFile}.part`, idsFile);
  writeFileSync(countFile, String(expectedMatching));
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

const oursOut = join(work, 'members.csv');
const oursReport = join(work, 'report.json');
const duckOut = join(work, 'duckdb.csv');
const input = { path: idsFile, rows: idCount, bytes: statSync(idsFile).size };
const jobs = [
  {
    id: 'import-audience',
    label: `import-audience (${workers} workers; index build included)`,
    argv: [node, cli, 'import-audience', '--job', jobFile, '--in', idsFile, '--out', oursOut, '--fields', 'first_name,country', '--report', oursReport, '--workers', String(workers), '--log-level', 'warn', '--no-progress'],
    output: oursOut,
  },
  { id: 'duckdb', label: `DuckDB hash join (${availableParallelism()} threads)`, argv: [node, self, '--duckdb-child', table, idsFile, duckOut], output: duckOut },
];
const method = detectMemoryMethod();
const machine = machineFacts();
const matchingRuns = [];
let oursReportDoc;
let duckMatched;
try {
  await warmPageCache(table);
  await warmPageCache(idsFile);
  // One run of DuckDB outside the timing: its matched count (the join's pairs).
  duckMatched = JSON.parse(execFileSync(node, [self, '--duckdb-child', table, idsFile, duckOut], { encoding: 'utf8' })).matched;
  rmSync(duckOut, { force: true });
  log(`${grouped(profiles)} profiles, ${grouped(idCount)} IDs (${(input.bytes / 1e6).toFixed(1)} MB, ${grouped(expectedMatching)} of a profile's crm_id): ${jobs.length} jobs x ${reps} rounds; ${describeMachine(machine)}`);
  const results = await runAlternating(jobs, input, {
    reps,
    method,
    onRun: (job, rep, run) => {
      let extra = '';
      if (job.id === 'import-audience') {
        oursReportDoc = JSON.parse(readFileSync(oursReport, 'utf8'));
        const matchMs = oursReportDoc.durationMs - oursReportDoc.reconcile.index.durationMs;
        matchingRuns.push({ matchMs, idsPerSec: idCount / (matchMs / 1000), indexMs: oursReportDoc.reconcile.index.durationMs });
        extra = `, matching ${grouped(Math.round(idCount / (matchMs / 1000)))} IDs/s, index ${(oursReportDoc.reconcile.index.durationMs / 1000).toFixed(2)} s`;
      }
      log(`round ${rep + 1}/${reps} ${job.id}: ${(run.wallMs / 1000).toFixed(2)} s, peak ${megabytes(run.peakRssBytes)}${extra}`);
    },
  });
  const [ours, duck] = results;
  const speedRatio = median(ours.runs.map((run, i) => duck.runs[i].wallMs / run.wallMs));
  const memoryRatio = ours.peakRssBytes && duck.peakRssBytes ? ours.peakRssBytes / duck.peakRssBytes : undefined;
  const matching = median(matchingRuns.map((m) => m.idsPerSec));
  const doc = {
    schema: 1, kind: 'reconcile-match', date: new Date().toISOString(), machine, source: sourceRevision(), reps, memoryMethod: method,
    profiles, ids: idCount, share, expectedMatching, input, jobs: results, matching: matchingRuns, matchingIdsPerSec: matching,
    speedRatio, memoryRatio, oursMatched: oursReportDoc.recordsMatched, duckdbMatched: duckMatched, report: oursReportDoc, loadAtEnd: Math.round(loadavg()[0] * 100) / 100,
  };
  if (opts['json-out']) writeFileSync(opts['json-out'], JSON.stringify(doc, null, 2) + '\n');
  const lines = [
    `reconcile ${grouped(idCount)} incoming IDs against ${grouped(profiles)} profiles (3 data sources, 2 kept fields), median of ${reps} alternating round${reps === 1 ? '' : 's'}`,
    formatTable(['job', 'wall (median)', 'best', 'CPU (median)', 'IDs/s (wall)', 'peak RSS'], results.map((r) => [r.label, `${(r.medianWallMs / 1000).toFixed(2)} s`, `${(r.bestWallMs / 1000).toFixed(2)} s`, r.medianCpuMs === undefined ? '-' : `${(r.medianCpuMs / 1000).toFixed(2)} s`, grouped(r.rowsPerSec), megabytes(r.peakRssBytes)])),
    `matching (import-audience's run minus its index build): ${grouped(Math.round(matching))} IDs/s median with ${workers} workers (target >= 2,000,000); index build ${(median(matchingRuns.map((m) => m.indexMs)) / 1000).toFixed(2)} s median`,
    `ours / DuckDB speed: ${speedRatio.toFixed(2)}x (median per-round ratio of wall times; goal >= 1.5x); peak RSS ours / DuckDB: ${memoryRatio === undefined ? '-' : memoryRatio.toFixed(2)} (goal < 0.5)`,
    `matched: ours ${grouped(oursReportDoc.recordsMatched)} (first profile of a key; ${grouped(oursReportDoc.recordsUnmatched)} unmatched), DuckDB ${grouped(duckMatched)} pairs (every profile of a duplicate key); IDs made from a line's first field: ${grouped(expectedMatching)} (the generator's malformed lines, split here by line, are no profiles to either side)`,
    `${describeMachine(machine)}; load at end ${doc.loadAtEnd}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}

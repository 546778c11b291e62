#!/usr/bin/env node
// Compares a new benchmark run against a stored baseline and names every stage more than 10%
// slower (and every peak memory more than 10% larger).
//
//   npm run bench -- --json /tmp/run.json && node bench/compare.mjs /tmp/run.json
//   node bench/compare.mjs new.json --baseline bench/baseline.json [--threshold 10] [--strict]
//
// Reads the JSON of bench/run-all.mjs --json (suite), bench/e2e.mjs --json (e2e),
// bench/stages.bench.mjs --json (micro) or `audience-pipe bench --json`. Exit status: 0, even
// with regressions, unless --strict (then 1); 2 for unusable input. DuckDB (the peer) and the
// micro-benchmarks' alternatives (references) are reported when slower, which says the machine
// was busier, but never fail --strict. End-to-end figures are compared only at equal row counts.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    baseline: { type: 'string', default: new URL('baseline.json', import.meta.url).pathname },
    threshold: { type: 'string', default: '10' },
    strict: { type: 'boolean', default: false },
  },
});
function fail(msg) {
  process.stderr.write(`bench/compare.mjs: ${msg}\n`);
  process.exit(2);
}
if (positionals.length !== 1) fail('usage: node bench/compare.mjs <new.json> [--baseline file] [--threshold percent] [--strict]');
const threshold = Number(opts.threshold) / 100;
if (!(threshold > 0 && threshold < 1)) fail(`--threshold: '${opts.threshold}' is not a percentage between 0 and 100`);

function load(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read ${path}: ${err.code ?? err.message}`);
  }
}

/** name -> { value, higherIsBetter, unit, peer } */
function metrics(doc) {
  const out = new Map();
  const add = (name, value, higherIsBetter, unit, peer = false) => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out.set(name, { value, higherIsBetter, unit, peer });
  };
  const e2e = doc.kind === 'suite' ? doc.e2e : doc.kind === 'e2e' ? doc : undefined;
  const micro = doc.kind === 'suite' ? doc.micro : doc.kind === 'micro' ? doc : undefined;
  for (const job of e2e?.jobs ?? []) {
    add(`e2e ${job.id}: rows/s`, job.rowsPerSec, true, 'rows/s', job.id === 'duckdb');
    add(`e2e ${job.id}: peak RSS`, job.peakRssBytes, false, 'bytes', job.id === 'duckdb');
  }
  // The alternatives are references, like the peer: reported, never failing --strict.
  for (const t of micro?.tasks ?? []) add(`micro ${t.name}`, t.unitsPerSec, true, `${t.unit}/s`, t.side === 'alternative');
  if (doc.kind === 'audience-pipe-bench') {
    for (const r of doc.results ?? []) {
      add(`bench ${r.workers} workers: rows/s`, r.rowsPerSec, true, 'rows/s');
      add(`bench ${r.workers} workers: peak RSS`, r.peakRssBytes, false, 'bytes');
    }
  }
  if (out.size === 0) fail(`no figures found (kind '${doc.kind}')`);
  return out;
}

const baseDoc = load(opts.baseline);
const newDoc = load(positionals[0]);
const base = metrics(baseDoc);
const next = metrics(newDoc);

const notes = [];
// End-to-end rates depend on the input size (start-up weighs more on small inputs): compare them only like for like.
const rowsOf = (d) => (d.kind === 'suite' ? d.e2e?.input?.rows : d.input?.rows);
if (rowsOf(baseDoc) !== undefined && rowsOf(newDoc) !== undefined && rowsOf(baseDoc) !== rowsOf(newDoc)) {
  notes.push(`end-to-end figures not compared: the baseline has ${rowsOf(baseDoc)} rows, the new run ${rowsOf(newDoc)}`);
  for (const k of [...base.keys()]) if (k.startsWith('e2e ') || k.startsWith('bench ')) base.delete(k);
}
const bm = baseDoc.machine;
const nm = newDoc.machine;
if (bm && nm && (bm.cores !== nm.cores || bm.cpuModel !== nm.cpuModel || bm.node !== nm.node)) {
  notes.push(`different machine or Node: baseline ${bm.cores} cores ${bm.cpuModel} Node ${bm.node}; new ${nm.cores} cores ${nm.cpuModel} Node ${nm.node}`);
}
if ((baseDoc.micro?.quick ?? baseDoc.quick) !== (newDoc.micro?.quick ?? newDoc.quick)) notes.push('one run used --quick: its micro figures are rough');

const fmt = (m) => (m.unit === 'bytes' ? `${(m.value / 1e6).toFixed(0)} MB` : `${Math.round(m.value).toLocaleString('en-US')} ${m.unit}`);
const rows = [];
const worse = [];
for (const [name, b] of base) {
  const n = next.get(name);
  if (!n) continue;
  // change > 0 means better: faster, or less memory.
  const change = b.higherIsBetter ? n.value / b.value - 1 : b.value / n.value - 1;
  const bad = change < -threshold;
  const verdict = bad ? (b.higherIsBetter ? 'SLOWER' : 'MORE MEMORY') : change > threshold ? 'better' : 'same';
  rows.push([name + (b.peer ? (name.startsWith('micro') ? ' (reference)' : ' (peer)') : ''), fmt(b), fmt(n), `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`, verdict]);
  if (bad) worse.push({ name, peer: b.peer, change });
}
const missing = [...base.keys()].filter((k) => !next.has(k));

const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[['figure', 'baseline', 'new', 'change', ''], ...rows].map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
process.stdout.write([line(['figure', 'baseline', 'new', 'change', '']), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n\n');
for (const n of notes) process.stdout.write(`note: ${n}\n`);
if (missing.length > 0) process.stdout.write(`not in the new run: ${missing.join(', ')}\n`);
const ours = worse.filter((w) => !w.peer);
if (worse.length === 0) process.stdout.write(`no figure is more than ${opts.threshold}% worse than the baseline (${opts.baseline})\n`);
for (const w of worse) {
  const why = w.peer ? (w.name.startsWith('micro') ? ' (a reference, not the engine: the machine was probably busier)' : ' (the peer: the machine was probably busier)') : '';
  process.stdout.write(`${w.peer ? 'not ours: ' : 'regression: '}${w.name} is ${(-w.change * 100).toFixed(1)}% worse than the baseline${why}\n`);
}
process.exitCode = opts.strict && ours.length > 0 ? 1 : 0;

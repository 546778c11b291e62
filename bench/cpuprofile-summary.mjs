#!/usr/bin/env node
// Summarises the .cpuprofile files that `node --cpu-prof` writes (one per thread: the main
// thread and each worker), so a profile can be read without DevTools:
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/cli/main.js process --in a.csv --out b.csv ...
//   node bench/cpuprofile-summary.mjs /tmp/prof [--top 15]
//
// Per thread: wall span, share idle, share in GC, and the functions with the most self time
// (share of the thread's samples), with their file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: node bench/cpuprofile-summary.mjs <dir with .cpuprofile files> [--top N]\n');
  process.exit(2);
}
const dir = positionals[0];
const top = Number(opts.top);
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
if (files.length === 0) {
  process.stderr.write(`no .cpuprofile files in ${dir}\n`);
  process.exit(2);
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before sample i; weight each sample by the next delta.
  const { samples, timeDeltas } = profile;
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(samples[i]);
    const cf = node.callFrame;
    const where = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}\u0000${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const share = (name) => [...self].filter(([k]) => k.startsWith(`${name}\u0000`)).reduce((a, [, v]) => a + v, 0);
  const idle = share('(idle)');
  const gc = share('(garbage collector)');
  const span = (profile.endTime - profile.startTime) / 1000;
  process.stdout.write(`\n${basename(file)}: ${span.toFixed(0)} ms profiled, busy ${(100 * (1 - idle / total)).toFixed(1)}%, idle ${(100 * idle / total).toFixed(1)}%, GC ${(100 * gc / total).toFixed(1)}%\n`);
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, ms] of rows) {
    const [name, where] = key.split('\u0000');
    process.stdout.write(`  ${(100 * ms / total).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${name}  ${where}\n`);
  }
}

function shortUrl(url) {
  const i = url.indexOf('/dist/');
  if (i >= 0) return url.slice(i + 1);
  const j = url.indexOf('/node_modules/');
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '');
}

#!/usr/bin/env node
// A/B end to end: the e-mail hash job of two builds (another checkout's dist/ as "before", this
// one's as "after") on the same generated file, alternating in one run: each round runs every job
// of both builds, the order of the builds flipped every other round, so that a busy machine
// weighs on both alike. Prints medians, the median per-round after/before ratio and the runs.
//
//   npm run build && node bench/ab.mjs --before /tmp/bench-before [--rows 3000000] [--reps 5]
//                                      [--jobs hash-1,hash-all] [--json-out file]
//
// --before   a checkout with its own `npm ci && npm run build` (e.g. `git worktree add`)
// --jobs     hash-1 (1 worker), hash-all (every core), full (e-mail + phone + AES, every core),
//            decrypt (every core: the e-mail column, encrypted once by the before side, decrypted back)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/', import.meta.url);
const { generateInput, runAlternating, warmPageCache } = await import(new URL('tools/bench/e2e.js', dist));
const { detectMemoryMethod } = await import(new URL('tools/bench/measure.js', dist));
const { describeMachine, machineFacts, sourceRevision } = await import(new URL('tools/bench/machine.js', dist));
const { median } = await import(new URL('tools/bench/table.js', dist));

const { values: opts } = parseArgs({
  options: {
    before: { type: 'string' },
    rows: { type: 'string', default: '3000000' },
    reps: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: 'hash-1,hash-all' },
    'json-out': { type: 'string' },
  },
});
if (!opts.before) {
  process.stderr.write('bench/ab.mjs: --before <checkout> is required\n');
  process.exit(2);
}
const sides = { before: resolve(opts.before, 'dist/cli/main.js'), after: new URL('cli/main.js', dist).pathname };
for (const [name, cli] of Object.entries(sides)) {
  if (!existsSync(cli)) {
    process.stderr.write(`bench/ab.mjs: ${name}: ${cli} is missing (npm ci && npm run build there)\n`);
    process.exit(2);
  }
}
const rows = Number(opts.rows);
const reps = Number(opts.reps);
const cores = availableParallelism();
const work = mkdtempSync(join(tmpdir(), 'audience-pipe-ab-'));
const keyFile = join(work, 'key.hex');
writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n');
const HASH = ['--hash', 'email=email_lc_sha256'];
const AES = ['--aes-key-file', keyFile, '--aes-iv', '00112233445566778899aabbccddeeff'];
const FULL = [...HASH, '--hash', 'phone=phone_sha256', '--default-country', 'US', '--encrypt', 'crm_id', ...AES];
const DECRYPT = ['--decrypt', 'email', ...AES];
const JOBS = { 'hash-1': [1, HASH], 'hash-all': [cores, HASH], full: [cores, FULL], decrypt: [cores, DECRYPT, 'encrypted'] };

try {
  const path = join(work, 'input.csv');
  const input = await generateInput(path, rows, Number(opts.seed));
  await warmPageCache(path);
  const inputs = { plain: path };
  if (opts.jobs.split(',').some((id) => JOBS[id][2] === 'encrypted')) {
    // The same ciphertexts for both sides: made once, by the before side.
    inputs.encrypted = join(work, 'encrypted.csv');
    execFileSync(process.execPath, [sides.before, 'process', '--in', path, '--out', inputs.encrypted, '--encrypt', 'email', ...AES, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await warmPageCache(inputs.encrypted);
  }
  const jobs = opts.jobs.split(',').flatMap((id) => {
    const [workers, args, from = 'plain'] = JOBS[id];
    return Object.entries(sides).map(([side, cli]) => ({
      id: `${id}/${side}`,
      label: `${id} ${side}`,
      workers,
      output: join(work, `${id}-${side}.csv`),
      argv: [process.execPath, cli, 'process', '--in', inputs[from], '--out', join(work, `${id}-${side}.csv`), '--workers', String(workers), '--log-level', 'warn', ...args],
    }));
  });
  const method = detectMemoryMethod();
  const runs = new Map(jobs.map((j) => [j.id, []]));
  for (let rep = 0; rep < reps; rep++) {
    // Flip before/after inside each job pair every other round.
    const order = jobs.map((_, i) => (rep % 2 === 0 ? i : i ^ 1)).map((i) => jobs[i]);
    for (const r of await runAlternating(order, input, { reps: 1, method })) runs.get(r.id).push(r.runs[0].wallMs);
    process.stderr.write(`ab: round ${rep + 1}/${reps} done\n`);
  }
  const result = { machine: machineFacts(), source: sourceRevision(), before: opts.before, rows, bytes: statSync(path).size, reps, jobs: {} };
  console.log(`${describeMachine(machineFacts())}; ${rows.toLocaleString('en')} rows (${(input.bytes / 1e6).toFixed(0)} MB), ${reps} rounds`);
  console.log('job        before median   after median   after/before (median of rounds)   runs before | after (ms)');
  for (const id of opts.jobs.split(',')) {
    const b = runs.get(`${id}/before`);
    const a = runs.get(`${id}/after`);
    const ratio = median(a.map((ms, i) => ms / b[i]));
    result.jobs[id] = { beforeMs: b, afterMs: a, beforeMedianMs: median(b), afterMedianMs: median(a), ratio };
    console.log(`${id.padEnd(10)} ${(median(b) / 1000).toFixed(3).padStart(11)} s ${(median(a) / 1000).toFixed(3).padStart(12)} s ${ratio.toFixed(3).padStart(20)}x              ${b.map(Math.round).join(', ')} | ${a.map(Math.round).join(', ')}`);
  }
  if (opts['json-out']) writeFileSync(opts['json-out'], JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}

#!/usr/bin/env node
// Phone normalisation to E.164: libphonenumber-js alone vs our fast path (falling back to it).
//
//   npx tsc -p tsconfig.json && npx node bench/phone.bench.mjs
//
// Imports the BUILT module from dist/transforms/phone.js. To try it against another build output,
// set PHONE_BENCH_DIST to the directory holding phone.js.
// Each iteration normalises VALUES numbers (default country US); figures are printed per number.
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import examples from 'libphonenumber-js/mobile/examples';

const VALUES = 10_000;
const DEFAULT_COUNTRY = 'US';
const distDir = process.env.PHONE_BENCH_DIST
  ? pathToFileURL(process.env.PHONE_BENCH_DIST.replace(/\/?$/, '/'))
  : new URL('../dist/transforms/', import.meta.url);
const { createPhoneNormalizer, createLibraryPhoneNormalizer, createPhoneFastPath } = await import(
  new URL('phone.js', distDir).href
);

// ---- a seeded, realistic mix: mostly US national shapes, international shapes of several countries
const { mulberry32: rng } = await import(new URL('../dist/tools/generate/prng.js', import.meta.url).href);
const r = rng(20240611);
const pick = (xs) => xs[Math.floor(r() * xs.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const d29 = () => String(2 + Math.floor(r() * 8));

function usNumber() {
  const area = d29() + digits(2);
  const exch = d29() + digits(2);
  const line = digits(4);
  return pick([
    `(${area}) ${exch}-${line}`,
    `(${area}) ${exch}-${line}`,
    `${area}-${exch}-${line}`,
    `${area}-${exch}-${line}`,
    `${area}.${exch}.${line}`,
    `${area}${exch}${line}`,
    `${area} ${exch} ${line}`,
    `1-${area}-${exch}-${line}`,
    `1 (${area}) ${exch}-${line}`,
    `1${area}${exch}${line}`,
    `+1 ${area}-${exch}-${line}`,
    `+1 (${area}) ${exch}-${line}`,
    `+1${area}${exch}${line}`,
  ]);
}

// Calling code, and national prefix as written in "+CC (0)..." shapes (test data only).
const INTL = [
  ['GB', '44', '0'], ['FR', '33', '0'], ['DE', '49', '0'], ['IN', '91', '0'], ['BR', '55', '0'],
  ['MX', '52', ''], ['CA', '1', '1'], ['AU', '61', '0'], ['JP', '81', '0'], ['ES', '34', ''],
  ['IT', '39', ''], ['NL', '31', '0'], ['PH', '63', '0'], ['CN', '86', '0'],
];
function group(nn) {
  const parts = [];
  for (let i = 0; i < nn.length; ) {
    const n = 2 + Math.floor(r() * 3);
    parts.push(nn.slice(i, i + n));
    i += n;
  }
  return parts.join(pick([' ', ' ', '-', '.', '']));
}
function intlNumber() {
  const [country, cc, trunk] = pick(INTL);
  const ex = examples[country];
  const nn = ex.slice(0, ex.length - 4) + digits(4);
  const u = r();
  if (u < 0.6) return `+${cc} ${group(nn)}`;
  if (u < 0.75) return `+${cc}${nn}`;
  if (u < 0.9) return `00${cc} ${group(nn)}`;
  return trunk ? `+${cc} (${trunk})${group(nn)}` : `+${cc} ${group(nn)}`;
}
function dirtyNumber() {
  return pick([
    () => `${usNumber()} x${digits(3)}`,
    () => `${usNumber()} ext. ${digits(2)}`,
    () => digits(1 + Math.floor(r() * 6)),
    () => `${digits(3)}-${digits(4)}`,
    () => `n/a`,
    () => `+${digits(12 + Math.floor(r() * 6))}`,
  ])();
}
const numbers = Array.from({ length: VALUES }, () => {
  const u = r();
  return u < 0.62 ? usNumber() : u < 0.95 ? intlNumber() : dirtyNumber();
});

// ---- correctness check and fast-path coverage before timing --------------------------------
const library = createLibraryPhoneNormalizer(DEFAULT_COUNTRY);
const fast = createPhoneNormalizer(DEFAULT_COUNTRY);
const fastOnly = createPhoneFastPath(DEFAULT_COUNTRY);
let taken = 0;
let valid = 0;
/** The inputs the fast path answers alone (timed separately: its own cost, without fallbacks). */
const takenNumbers = [];
for (const x of numbers) {
  const a = library(x);
  const b = fast(x);
  if (a !== b) throw new Error(`fast path differs from the library on ${JSON.stringify(x)}: ${b} vs ${a}`);
  if (fastOnly(x) !== undefined) {
    taken++;
    takenNumbers.push(x);
  }
  if (typeof a === 'string') valid++;
}

let sink = 0;
const bench = new Bench({ time: 2000, warmupTime: 300 });
bench
  .add('phone: library', () => {
    for (let i = 0; i < VALUES; i++) {
      const o = library(numbers[i]);
      sink += typeof o === 'string' ? o.length : o;
    }
  })
  .add('phone: fast path', () => {
    for (let i = 0; i < VALUES; i++) {
      const o = fast(numbers[i]);
      sink += typeof o === 'string' ? o.length : o;
    }
  })
  .add('phone: fast path, taken inputs only', () => {
    for (let i = 0; i < takenNumbers.length; i++) {
      const o = fast(takenNumbers[i]);
      sink += typeof o === 'string' ? o.length : o;
    }
  });

await bench.run();
console.log(
  `${VALUES} numbers per iteration (default country ${DEFAULT_COUNTRY}): ${((100 * valid) / VALUES).toFixed(1)}% valid, ` +
    `fast path took ${((100 * taken) / VALUES).toFixed(1)}% (the rest went to the library); node ${process.version}`,
);
console.table(bench.table());

const perNumberNs = (name, count = VALUES) => {
  const res = bench.getTask(name)?.result;
  if (!res || !res.latency) throw new Error(`task ${name} did not complete (${res?.state})`);
  return (res.latency.p50 * 1e6) / count;
};
const lib = perNumberNs('phone: library');
const ours = perNumberNs('phone: fast path');
const alone = perNumberNs('phone: fast path, taken inputs only', takenNumbers.length);
console.table([
  {
    'library median ns/number': Number(lib.toFixed(1)),
    'fast path median ns/number': Number(ours.toFixed(1)),
    'ratio of medians (library/fast)': Number((lib / ours).toFixed(2)),
    'fast path alone, taken inputs, ns/number': Number(alone.toFixed(1)),
  },
]);
if (sink === 0) console.log('');

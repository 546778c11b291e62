#!/usr/bin/env node
// AES-CBC batch vs per-record createCipheriv, and the byte-buffer text encoders vs Buffer's.
//
//   npx tsc -p tsconfig.json && npx node bench/aes.bench.mjs
//
// Imports the BUILT modules from dist/transforms/. To try it against another build output,
// set AES_BENCH_DIST to the directory holding aes-cbc.js and encoding.js.
// Each iteration handles VALUES values; figures are printed per value.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const VALUES = 1000;
const distDir = process.env.AES_BENCH_DIST
  ? pathToFileURL(process.env.AES_BENCH_DIST.replace(/\/?$/, '/'))
  : new URL('../dist/transforms/', import.meta.url);
const { AesCbcBatch } = await import(new URL('aes-cbc.js', distDir).href);
const { hexEncodeInto, base64EncodeInto, decodeHexStrictInto } = await import(
  new URL('encoding.js', distDir).href
);

// ---- realistic declared IDs: e-mails, CRM IDs, UUIDs (seeded) -------------------------------
const { mulberry32: rng } = await import(new URL('../dist/tools/generate/prng.js', import.meta.url).href);
const r = rng(42);
const pick = (xs) => xs[Math.floor(r() * xs.length)];
const word = (min, max) => {
  let s = '';
  const n = min + Math.floor(r() * (max - min + 1));
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(r() * 26));
  return s;
};
const digits = (n) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
function makeValue() {
  const u = r();
  if (u < 0.55) {
    return `${word(3, 10)}${pick(['.', '_', ''])}${word(2, 10)}@${pick(['gmail.com', 'example.com', 'yahoo.fr', 'outlook.com', 'acme-corp.de'])}`;
  }
  if (u < 0.85) return `${pick(['CRM', 'C', 'CUST-', ''])}${digits(6 + Math.floor(r() * 7))}`;
  const h = (n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${h(8)}-${h(4)}-4${h(3)}-a${h(3)}-${h(12)}`;
}
const values = Array.from({ length: VALUES }, makeValue).map((s) => Buffer.from(s));
const src = Buffer.concat(values);
const starts = new Int32Array(VALUES);
const ends = new Int32Array(VALUES);
{
  let p = 0;
  values.forEach((v, i) => {
    starts[i] = p;
    p += v.length;
    ends[i] = p;
  });
}

const key = Buffer.from('0123456789ABCDEF0123456789ABCDEF', 'hex');
const iv = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const NAME = 'aes-128-cbc';
const batch = new AesCbcBatch(key, iv);

// ---- correctness check before timing --------------------------------------------------------
const enc = batch.encrypt(src, starts, ends, VALUES);
const cts = [];
for (let i = 0; i < VALUES; i++) {
  const c = createCipheriv(NAME, key, iv);
  const ref = Buffer.concat([c.update(values[i]), c.final()]);
  if (!ref.equals(enc.bytes.subarray(enc.offsets[i], enc.offsets[i + 1]))) {
    throw new Error(`batch ciphertext differs from createCipheriv at value ${i}`);
  }
  cts.push(ref);
}
const ctStarts = enc.offsets.subarray(0, VALUES);
const ctEnds = enc.offsets.subarray(1);
const dec = batch.decrypt(enc.bytes, ctStarts, ctEnds, VALUES);
if (!dec.bytes.equals(src)) throw new Error('batch decrypt does not round-trip');

const meanLen = src.length / VALUES;
const meanCt = enc.bytes.length / VALUES;
const hexOut = Buffer.alloc(enc.bytes.length * 2);
const b64Out = Buffer.alloc(Math.ceil(enc.bytes.length / 3) * 4 + VALUES * 4);
const hexText = Buffer.from(enc.bytes.toString('hex'));
const hexDecOut = Buffer.alloc(enc.bytes.length);

let sink = 0;
const bench = new Bench({ time: 1500, warmupTime: 300 });

bench
  .add('aes: createCipheriv per record (encrypt)', () => {
    for (let i = 0; i < VALUES; i++) {
      const c = createCipheriv(NAME, key, iv);
      const a = c.update(values[i]);
      const b = c.final();
      sink += a.length + b.length;
    }
  })
  .add('aes: AesCbcBatch.encrypt', () => {
    sink += batch.encrypt(src, starts, ends, VALUES).bytes.length;
  })
  .add('aes: createDecipheriv per record (decrypt)', () => {
    for (let i = 0; i < VALUES; i++) {
      const d = createDecipheriv(NAME, key, iv);
      const a = d.update(cts[i]);
      const b = d.final();
      sink += a.length + b.length;
    }
  })
  .add('aes: AesCbcBatch.decrypt', () => {
    sink += batch.decrypt(enc.bytes, ctStarts, ctEnds, VALUES).bytes.length;
  })
  .add('hex: toString + latin1Write', () => {
    let p = 0;
    for (let i = 0; i < VALUES; i++) {
      p += hexOut.latin1Write(enc.bytes.toString('hex', enc.offsets[i], enc.offsets[i + 1]), p);
    }
    sink += p;
  })
  .add('hex: hexEncodeInto', () => {
    let p = 0;
    for (let i = 0; i < VALUES; i++) p = hexEncodeInto(enc.bytes, enc.offsets[i], enc.offsets[i + 1], hexOut, p);
    sink += p;
  })
  .add('b64: toString + latin1Write', () => {
    let p = 0;
    for (let i = 0; i < VALUES; i++) {
      p += b64Out.latin1Write(enc.bytes.toString('base64', enc.offsets[i], enc.offsets[i + 1]), p);
    }
    sink += p;
  })
  .add('b64: base64EncodeInto', () => {
    let p = 0;
    for (let i = 0; i < VALUES; i++) p = base64EncodeInto(enc.bytes, enc.offsets[i], enc.offsets[i + 1], b64Out, p);
    sink += p;
  })
  .add('hex decode: Buffer.from(hex) (lenient)', () => {
    for (let i = 0; i < VALUES; i++) {
      sink += Buffer.from(hexText.toString('latin1', 2 * enc.offsets[i], 2 * enc.offsets[i + 1]), 'hex').length;
    }
  })
  .add('hex decode: decodeHexStrictInto', () => {
    let p = 0;
    for (let i = 0; i < VALUES; i++) p = decodeHexStrictInto(hexText, 2 * enc.offsets[i], 2 * enc.offsets[i + 1], hexDecOut, p);
    sink += p;
  });

await bench.run();
console.log(
  `${VALUES} values per iteration: plaintext ${meanLen.toFixed(1)} B/value on average, ciphertext ${meanCt.toFixed(1)} B/value; node ${process.version}`,
);
console.table(bench.table());

const perValueNs = (name) => {
  const res = bench.getTask(name)?.result;
  if (!res || !res.latency) throw new Error(`task ${name} did not complete (${res?.state})`);
  return (res.latency.mean * 1e6) / VALUES;
};
const pairs = [
  ['aes encrypt', 'aes: createCipheriv per record (encrypt)', 'aes: AesCbcBatch.encrypt'],
  ['aes decrypt', 'aes: createDecipheriv per record (decrypt)', 'aes: AesCbcBatch.decrypt'],
  ['hex encode', 'hex: toString + latin1Write', 'hex: hexEncodeInto'],
  ['base64 encode', 'b64: toString + latin1Write', 'b64: base64EncodeInto'],
  ['hex decode', 'hex decode: Buffer.from(hex) (lenient)', 'hex decode: decodeHexStrictInto'],
];
console.table(
  pairs.map(([what, base, ours]) => {
    const a = perValueNs(base);
    const b = perValueNs(ours);
    return {
      what,
      'baseline ns/value': Number(a.toFixed(1)),
      'ours ns/value': Number(b.toFixed(1)),
      'speed-up (baseline/ours)': Number((a / b).toFixed(2)),
    };
  }),
);
if (sink === 0) console.log('');

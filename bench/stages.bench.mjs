#!/usr/bin/env node
// Micro-benchmarks of each hot-path stage, each beside its alternative, on one chunk of the
// seeded generator's data (the bytes the engine really sees):
//
//   cut       CsvFraming.lastBoundary (main thread)    vs csv-parse on the same bytes
//   fields    RecordScanner + decodeField (worker)      vs csv-parse
//   hash      Sha256Batch (native addon, per chunk)     vs crypto.hash per value on bytes
//   phone     createPhoneNormalizer (fast path)         vs createLibraryPhoneNormalizer
//   aes       AesCbcBatch.encrypt (chunk-wide)          vs encryptOneReference (createCipheriv per value)
//   encode    hexEncodeInto                             vs toString('hex') + latin1Write
//   reorder   bounded FIFO of promises (the merge)      vs a sequence-numbered reorder Map
//   chunk     RecordEngine.process, hash job          vs csv-parse + createHash + join
//
//   npm run build && node bench/stages.bench.mjs [--quick] [--json] [--json-out file]
//
// Imports the BUILT modules from dist/. Figures are medians of tinybench samples, per unit
// (per value, per row or per chunk) so that both sides of a pair compare directly.
import { createHash, hash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { Bench } from 'tinybench';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'json-out': { type: 'string' },
  },
});
const dist = new URL('../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { generateAudience } = await load('tools/generate/audience.js');
const { CsvFraming } = await load('formats/csv/framing.js');
const { RecordScanner } = await load('formats/csv/scan.js');
const { decodeField } = await load('formats/csv/field-codec.js');
const { createPhoneNormalizer, createLibraryPhoneNormalizer } = await load('transforms/phone.js');
const { AesCbcBatch } = await load('transforms/aes-cbc.js');
const { encryptOneReference } = await load('transforms/aes-reference.js');
const { hexEncodeInto } = await load('transforms/encoding.js');
const { RecordEngine } = await load('worker/record-engine.js');
const { NATIVE_SHA256_BATCH, Sha256Batch } = await load('transforms/sha256-batch.js');
const { Op } = await load('protocol/messages.js');
const { formatTable, grouped } = await load('tools/bench/table.js');
const { describeMachine, machineFacts, sourceRevision } = await load('tools/bench/machine.js');

// ---- one engine-sized chunk (1 MiB, cut where the engine would cut it) ----------------------
const CHUNK_BYTES = 1 << 20;
const DIALECT = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };
const all = Buffer.concat([...generateAudience({ rows: 30_000, seed: 1 })]);
const body = all.subarray(all.indexOf(0x0a) + 1);
const framing = new CsvFraming(DIALECT);
const cutAt = framing.lastBoundary(body, CHUNK_BYTES);
const chunk = Buffer.from(body.subarray(0, cutAt));
const records = parse(chunk, { relax_column_count: true });
const ROWS = records.length;
const column = (i) => records.map((r) => (r[i] ?? '').trim()).filter((s) => s.length > 0);
const emails = column(1).map((e) => e.toLowerCase());
const phones = column(2);
const crmIds = column(0).map((s) => Buffer.from(s));

// ---- correctness before timing: both sides of each pair agree --------------------------------
const parsedInfo = parse(chunk, { info: true, relax_column_count: true });
const lastRecordEnd = parsedInfo[parsedInfo.length - 1].info.bytes;
if (framing.lastBoundary(chunk, chunk.length) !== chunk.length || lastRecordEnd !== chunk.length) {
  throw new Error(`cut: lastBoundary and csv-parse disagree (${framing.lastBoundary(chunk, chunk.length)} vs ${lastRecordEnd} of ${chunk.length})`);
}
const scanner = new RecordScanner(DIALECT, 8);
const scratch = Buffer.allocUnsafe(CHUNK_BYTES);
function scanEmails(sinkOut) {
  let pos = 0;
  let n = 0;
  while (pos < chunk.length) {
    const next = scanner.scan(chunk, pos, chunk.length);
    const len = decodeField(chunk, scanner.starts[1], scanner.ends[1], DIALECT, scratch);
    const text = scratch.toString('latin1', 0, len).trim();
    if (sinkOut) sinkOut.push(text);
    n += text.length;
    pos = next;
  }
  return n;
}
{
  const ours = [];
  scanEmails(ours);
  const theirs = records.map((r) => r[1].trim());
  // latin1 is exact for the ASCII e-mails; the engine reads non-ASCII fields as UTF-8 instead.
  const asciiEqual = ours.every((v, i) => v === theirs[i] || /[^\x00-\x7f]/.test(theirs[i]));
  if (ours.length !== theirs.length || !asciiEqual) throw new Error('fields: RecordScanner and csv-parse disagree');
}
const fastPhone = createPhoneNormalizer('US');
const libraryPhone = createLibraryPhoneNormalizer('US');
for (const p of phones) if (fastPhone(p) !== libraryPhone(p)) throw new Error(`phone: fast path differs on ${JSON.stringify(p)}`);
const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const iv = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const aesBatch = new AesCbcBatch(key, iv);
const aesSrc = Buffer.concat(crmIds);
const aesStarts = new Int32Array(crmIds.length);
const aesEnds = new Int32Array(crmIds.length);
for (let i = 0, p = 0; i < crmIds.length; i++) {
  aesStarts[i] = p;
  p += crmIds[i].length;
  aesEnds[i] = p;
}
const enc = aesBatch.encrypt(aesSrc, aesStarts, aesEnds, crmIds.length);
for (let i = 0; i < 100; i++) {
  if (!encryptOneReference(key, iv, crmIds[i]).equals(enc.bytes.subarray(enc.offsets[i], enc.offsets[i + 1]))) throw new Error('aes: batch differs');
}
// The alternative: Node's one-shot hash per value, from one scratch buffer per length.
const emailBytes = emails.map((e) => Buffer.from(e, 'latin1'));
const scratchByLength = [];
for (const b of emailBytes) scratchByLength[b.length] ??= Buffer.allocUnsafeSlow(b.length);
const hashOfBytes = (b) => hash('sha256', b, 'hex');
// The engine queues every value of the chunk, places each in its reserved slot, and hashes them in one call.
const hashOut = Buffer.allocUnsafe(emailBytes.length * 64);
const nativeBatch = new Sha256Batch();
const hashChunk = (batch) => {
  for (let i = 0; i < emailBytes.length; i++) {
    const b = emailBytes[i];
    const at = batch.begin(b.length);
    batch.bytes.set(b, at);
    batch.place(batch.commit(at, at + b.length), i * 64);
  }
  batch.fill(hashOut);
  return hashOut[0];
};
hashChunk(nativeBatch);
for (let i = 0; i < 100; i++) {
  if (hashOut.toString('latin1', i * 64, i * 64 + 64) !== createHash('sha256').update(emailBytes[i]).digest('hex')) throw new Error('hash: Sha256Batch differs');
}
const digests = emails.map((e) => createHash('sha256').update(e).digest());
const digestBytes = Buffer.concat(digests);
const hexOut = Buffer.allocUnsafe(digestBytes.length * 2);
{
  let p = 0;
  for (let i = 0; i < digests.length; i++) p = hexEncodeInto(digestBytes, i * 32, i * 32 + 32, hexOut, p);
  if (hexOut.toString('latin1') !== digestBytes.toString('hex')) throw new Error('encode: hexEncodeInto differs');
}
const header = 'crm_id,email,phone,first_name,country,segment'.split(',');
const init = { format: { name: 'csv', ...DIALECT }, maxRecordBytes: 1 << 20, keys: [{ key, iv }], sha256: 'native' };
const hashPlan = { fieldCount: 6, columns: [{ index: 1, name: 'email', op: Op.EmailSha256, params: {} }], lineEnd: 0x0a };
const fullPlan = {
  ...hashPlan,
  columns: [
    { index: 0, name: 'crm_id', op: Op.Encrypt, params: { key: 0, encoding: 'hex' } },
    { index: 1, name: 'email', op: Op.EmailSha256, params: {} },
    { index: 2, name: 'phone', op: Op.PhoneSha256, params: { defaultCountry: 'US' } },
  ],
};
const hashProcessor = new RecordEngine(init, hashPlan);
const fullProcessor = new RecordEngine(init, fullPlan);
const chunkCopy = () => {
  // The worker owns (and may keep) its input buffer; give each call its own copy, as a transfer would.
  const ab = new ArrayBuffer(chunk.length);
  new Uint8Array(ab).set(chunk);
  return new Uint8Array(ab);
};
function naiveHashChunk(bytes) {
  const rows = parse(bytes, { relax_column_count: true });
  let out = header.join(',') + '\n';
  for (const r of rows) {
    const e = r[1].trim();
    r[1] = e.length === 0 ? '' : createHash('sha256').update(e.toLowerCase()).digest('hex');
    out += r.join(',') + '\n';
  }
  return Buffer.from(out);
}

// ---- the ordered merge, modelled on src/pipeline/run-process.ts ------------------------------
const CHUNKS = 1000;
const IN_FLIGHT = 6; // workers * 2 + 2 with 2 workers
const payload = { outLength: 1 };
const { inOrder } = await load('pipeline/in-order.js');
async function* chunkIndexes() {
  for (let i = 0; i < CHUNKS; i++) yield i;
}
/** The engine's own ordered merge (src/pipeline/in-order.ts) over already-finished work. */
async function fifoMerge() {
  let n = 0;
  for await (const r of inOrder(chunkIndexes(), () => Promise.resolve(payload), IN_FLIGHT)) n += r.outLength;
  return n;
}
async function mapMerge() {
  // Results arrive out of order within the window (pairs swapped) and are released in sequence.
  async function* merged() {
    const waiting = new Map();
    let next = 0;
    for (let i = 0; i < CHUNKS; i++) {
      const seq = i % 2 === 0 ? Math.min(i + 1, CHUNKS - 1) : i - 1;
      waiting.set(seq, await Promise.resolve(payload));
      while (waiting.has(next)) {
        const r = waiting.get(next);
        waiting.delete(next);
        next++;
        yield r;
      }
    }
  }
  let n = 0;
  for await (const r of merged()) n += r.outLength;
  return n;
}

// ---- the pairs -------------------------------------------------------------------------------
const MB = chunk.length / 1e6;
let sink = 0;
const PAIRS = [
  {
    stage: 'cut', unit: 'MB', units: MB,
    engine: ['CsvFraming.lastBoundary', () => { sink += framing.lastBoundary(chunk, chunk.length); }],
    alt: ['csv-parse (info: bytes)', () => { sink += parse(chunk, { info: true, relax_column_count: true }).length; }],
  },
  {
    stage: 'fields', unit: 'row', units: ROWS,
    engine: ['RecordScanner + decodeField', () => { sink += scanEmails(); }],
    alt: ['csv-parse', () => { const rows = parse(chunk, { relax_column_count: true }); for (const r of rows) sink += r[1].trim().length; }],
  },
  {
    stage: 'hash (bytes)', unit: 'value', units: emailBytes.length,
    engine: [`Sha256Batch (${NATIVE_SHA256_BATCH ? 'native addon' : 'addon absent: crypto.hash'}), one call per chunk`, () => { sink += hashChunk(nativeBatch); }],
    alt: ['crypto.hash per value, scratch per length', () => { for (const b of emailBytes) { const s = scratchByLength[b.length]; s.set(b); hashOut.latin1Write(hashOfBytes(s), 0); sink += hashOut[0]; } }],
  },
  {
    stage: 'phone', unit: 'value', units: phones.length,
    engine: ['createPhoneNormalizer (fast path)', () => { for (const p of phones) { const o = fastPhone(p); sink += typeof o === 'string' ? o.length : o; } }],
    alt: ['libphonenumber-js alone', () => { for (const p of phones) { const o = libraryPhone(p); sink += typeof o === 'string' ? o.length : o; } }],
  },
  {
    stage: 'aes', unit: 'value', units: crmIds.length,
    engine: ['AesCbcBatch.encrypt', () => { sink += aesBatch.encrypt(aesSrc, aesStarts, aesEnds, crmIds.length).bytes.length; }],
    alt: ['createCipheriv per value', () => { for (const v of crmIds) sink += encryptOneReference(key, iv, v).length; }],
  },
  {
    stage: 'encode', unit: 'value', units: digests.length,
    engine: ['hexEncodeInto', () => { let p = 0; for (let i = 0; i < digests.length; i++) p = hexEncodeInto(digestBytes, i * 32, i * 32 + 32, hexOut, p); sink += p; }],
    alt: ["toString('hex') + latin1Write", () => { let p = 0; for (let i = 0; i < digests.length; i++) p += hexOut.latin1Write(digestBytes.toString('hex', i * 32, i * 32 + 32), p); sink += p; }],
  },
  {
    stage: 'reorder', unit: 'chunk', units: CHUNKS,
    engine: ['inOrder (bounded FIFO of promises)', async () => { sink += await fifoMerge(); }],
    alt: ['sequence-numbered Map', async () => { sink += await mapMerge(); }],
  },
  {
    stage: 'chunk (hash job)', unit: 'row', units: ROWS,
    engine: ['RecordEngine.process', () => { sink += hashProcessor.process(chunkCopy(), chunk.length).outLength; }],
    alt: ['csv-parse + createHash + join', () => { sink += naiveHashChunk(chunk).length; }],
  },
  {
    stage: 'chunk (full job)', unit: 'row', units: ROWS,
    engine: ['RecordEngine.process', () => { sink += fullProcessor.process(chunkCopy(), chunk.length).outLength; }],
    alt: undefined,
  },
];

const bench = new Bench(opts.quick ? { time: 120, warmupTime: 30, iterations: 3 } : { time: 1000, warmupTime: 200, iterations: 10 });
for (const p of PAIRS) {
  bench.add(`${p.stage}: ${p.engine[0]}`, p.engine[1]);
  if (p.alt) bench.add(`${p.stage}: ${p.alt[0]}`, p.alt[1]);
}
await bench.run();

function figure(name, units) {
  const res = bench.getTask(name)?.result;
  if (!res || res.state !== 'completed') throw new Error(`task ${name} did not complete (${res?.state}): ${res?.error ?? ''}`);
  const ms = res.latency.p50;
  return { perUnitNs: (ms * 1e6) / units, unitsPerSec: units / (ms / 1000), samples: res.latency.samplesCount ?? res.latency.samples?.length };
}
const tasks = [];
const rows = [];
for (const p of PAIRS) {
  const e = figure(`${p.stage}: ${p.engine[0]}`, p.units);
  tasks.push({ stage: p.stage, side: 'engine', name: `${p.stage}: ${p.engine[0]}`, unit: p.unit, ...e });
  let a;
  if (p.alt) {
    a = figure(`${p.stage}: ${p.alt[0]}`, p.units);
    tasks.push({ stage: p.stage, side: 'alternative', name: `${p.stage}: ${p.alt[0]}`, unit: p.unit, ...a });
  }
  const rate = (x) => (p.unit === 'MB' ? `${x.unitsPerSec.toFixed(0)} MB/s` : `${grouped(x.unitsPerSec)}/s`);
  const per = (x) => (p.unit === 'MB' ? `${(x.perUnitNs / 1000).toFixed(0)} µs/MB` : `${x.perUnitNs.toFixed(0)} ns/${p.unit}`);
  rows.push([p.stage, p.engine[0], per(e), rate(e), p.alt ? p.alt[0] : '', a ? per(a) : '', a ? rate(a) : '', a ? `${(a.perUnitNs / e.perUnitNs).toFixed(1)}x` : '']);
}

const machine = machineFacts();
const doc = {
  schema: 1,
  kind: 'micro',
  date: new Date().toISOString(),
  machine,
  source: sourceRevision(),
  data: { chunkBytes: chunk.length, rows: ROWS, emails: emails.length, phones: phones.length, crmIds: crmIds.length },
  quick: opts.quick,
  tasks,
};
if (opts['json-out']) writeFileSync(opts['json-out'], JSON.stringify(doc, null, 2) + '\n');
if (opts.json) {
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
} else {
  process.stdout.write(
    [
      `Micro-benchmarks: one ${(chunk.length / 2 ** 20).toFixed(2)} MiB chunk of generated data, ${grouped(ROWS)} rows; per unit, median of tinybench samples${opts.quick ? ' (--quick: short runs, rough figures)' : ''}`,
      formatTable(['stage', 'engine', 'per unit', 'rate', 'alternative', 'per unit', 'rate', 'engine speed-up'], rows),
      '',
      `single thread each; reorder is per chunk handed on (the merge's own cost, not waiting for workers)`,
      `machine: ${describeMachine(machine)}; source ${doc.source ?? 'unknown'}`,
    ].join('\n') + '\n',
  );
}
if (sink === 0) process.stdout.write('\n');

/**
 * The run starts its worker pool before it lists the input or reads its header, so the workers'
 * start-up overlaps that work: the pool is given only what the configuration knows (format,
 * limits, keys), and what the header decides travels in each chunk's plan, which never holds a
 * key (a task waits in Piscina's job queue). The pool here is an in-process stand-in that runs
 * the real record engine.
 */
import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { expect, it, vi } from 'vitest';
import type { ChunkPlan, WorkerInit } from '../src/protocol/messages.js';
import { RecordEngine } from '../src/worker/record-engine.js';

const events: string[] = [];
const inits: WorkerInit[] = [];
const plans: ChunkPlan[] = [];

vi.mock('../src/pool/chunk-pool.js', () => ({
  ChunkPool: class {
    poolError = undefined;
    private readonly init: WorkerInit;
    constructor(init: WorkerInit) {
      events.push('pool started');
      inits.push(init);
      this.init = init;
    }
    async run(plan: ChunkPlan, buffer: ArrayBuffer, length: number) {
      plans.push(plan);
      return { ...new RecordEngine(this.init, plan).process(new Uint8Array(buffer, 0, length), length), input: buffer };
    }
    async close() {}
  },
}));

const { buildProcessConfig } = await import('../src/config/load.js');
const { runProcess } = await import('../src/pipeline/run-process.js');

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const IV_HEX = 'f0e0d0c0b0a090807060504030201000';

it('starts the pool before the input is listed, with the keys, and sends the header-decided plan in each task without them', async () => {
  const config = buildProcessConfig({ encrypt: ['email'], hash: ['phone=sha256'], aesIv: IV_HEX, chunkSize: '64' }, {}, {}, { aesKey: KEY });
  const input = Buffer.from('id,phone,email\n' + Array.from({ length: 30 }, (_, i) => `${i},555-01${i},u${i}@example.com`).join('\n') + '\n');
  const written: Buffer[] = [];
  const outcome = await runProcess(config, {
    source: {
      description: 'memory',
      parts: async () => {
        events.push('input listed');
        // Small reads, so that the input comes in several chunks.
        return [{ name: 'mem.csv', open: async () => Readable.from(Array.from({ length: Math.ceil(input.length / 100) }, (_, i) => input.subarray(i * 100, i * 100 + 100))) }];
      },
    },
    openSink: () => ({
      description: 'memory',
      open: async () => new Writable({ write: (chunk: Buffer, _enc, cb) => (written.push(Buffer.from(chunk)), cb()) }),
      commit: async () => {},
      abort: async () => {},
    }),
    log: pino({ level: 'silent' }),
  });

  expect(outcome.report).toMatchObject({ status: 'ok', recordsIn: 30, recordsOut: 30 });
  expect(events).toEqual(['pool started', 'input listed']);
  expect(inits).toHaveLength(1);
  const [init] = inits;
  // Nothing the header decides is in the pool's start-up data...
  expect(Object.keys(init).sort()).toEqual(['format', 'keys', 'maxRecordBytes', 'sha256']);
  expect(Buffer.from(init.keys[0].key).equals(KEY)).toBe(true);
  // ...and every task carries the same plan: the header's columns, never a key.
  expect(plans.length).toBeGreaterThan(1);
  expect(new Set(plans.map((p) => p.id)).size).toBe(1);
  expect(plans[0]).toMatchObject({ fieldCount: 3, lineEnd: 0x0a, columns: [{ index: 1, name: 'phone', op: 'sha256' }, { index: 2, name: 'email', op: 'encrypt', params: { key: 0 } }] });
  const planText = JSON.stringify(plans[0]);
  expect(planText).not.toContain(KEY.toString('hex'));
  expect(planText).not.toContain(IV_HEX);
  expect(Buffer.concat(written).toString().split('\n')[0]).toBe('id,phone,email');
});

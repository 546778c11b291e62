/**
 * Shared read-only state: the main thread's regions reach the workers as the same memory, not
 * a copy. The pool case uses the built pool and worker (dist/), as a run does.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedState } from '../src/pool/shared-state.js';
import { readShared } from '../src/worker/shared.js';
import type { ChunkPool } from '../src/pool/chunk-pool.js';
import type { WorkerInit } from '../src/protocol/messages.js';
import { ROOT } from './helpers/cli.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('SharedState', () => {
  it('publishes content with a new generation, read in place by the worker-side reader', () => {
    const state = new SharedState();
    const region = state.region('index', 1024);
    const shared = state.buffers;
    expect(readShared(shared, 'index')).toMatchObject({ generation: 0, bytes: new Uint8Array(0) });
    expect(region.publish(Buffer.from('first'))).toBe(1);
    const view = readShared(shared, 'index');
    expect(view.generation).toBe(1);
    expect(Buffer.from(view.bytes).toString()).toBe('first');
    // A shorter second content: the length, not the buffer's size, bounds what is read.
    region.publish(Buffer.from('2nd'));
    expect(Buffer.from(readShared(shared, 'index').bytes).toString()).toBe('2nd');
    expect(region.generation).toBe(2);
  });

  it('refuses content over what was reserved, a name defined twice, and a name never defined', () => {
    const state = new SharedState();
    const region = state.region('small', 4);
    expect(() => region.publish(new Uint8Array(5))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => state.region('small', 8)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => readShared(state.buffers, 'other')).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('workers read the shared state the main thread writes after they started', () => {
  const pools: ChunkPool[] = [];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  it('two workers see each new publish: the same memory, not a copy made at start', async () => {
    const { ChunkPool: Pool } = (await import(`${ROOT}/dist/pool/chunk-pool.js`)) as typeof import('../src/pool/chunk-pool.js');
    const { SharedState: State } = (await import(`${ROOT}/dist/pool/shared-state.js`)) as typeof import('../src/pool/shared-state.js');
    const state = new State();
    const region = state.region('profiles', 8 << 20);
    const init: WorkerInit = {
      // What the pool starts with, before any header: no plan is needed to read shared state.
      format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 },
      maxRecordBytes: 1 << 20,
      keys: [],
      sha256: 'js',
      shared: state.buffers,
    };
    const pool = new Pool(init, 2);
    pools.push(pool);
    // The workers are up and have read workerData: nothing published yet.
    const ask = () => Promise.all(Array.from({ length: 8 }, () => pool.checkShared('profiles')));
    const before = await ask();
    // More tasks at once than two workers take: both answer.
    expect(new Set(before.map((seen) => seen.threadId)).size).toBe(2);
    for (const seen of before) expect(seen).toMatchObject({ generation: 0, length: 0, sha256: sha(new Uint8Array(0)) });

    const first = Buffer.from('crm-1,crm-2,crm-3');
    region.publish(first);
    const afterFirst = await ask();
    expect(new Set(afterFirst.map((seen) => seen.threadId)).size).toBe(2);
    for (const seen of afterFirst) expect(seen).toMatchObject({ generation: 1, length: first.length, sha256: sha(first) });

    // Larger than anything before: the buffer grows, and the workers see the grown memory.
    const second = Buffer.alloc(3 << 20, 'profile;');
    region.publish(second);
    const afterSecond = await ask();
    for (const seen of afterSecond) expect(seen).toMatchObject({ generation: 2, length: second.length, sha256: sha(second) });
    // A region no one defined: the worker's error crosses with its code.
    await expect(pool.checkShared('nowhere')).rejects.toMatchObject({ code: 'ERR_INTERNAL', message: 'no shared state named "nowhere"' });
  });
});

/**
 * #10: errors cross threads as `{code, message, context}`. Piscina clones a thrown Error, which
 * drops its `code`; the worker throws the wire form and the pool turns it back into a project
 * error, so a worker-side failure reaches the run (and its report) with its code and context.
 */
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const { ChunkPool } = await import(`${ROOT}/dist/pool/chunk-pool.js`);
const { AudiencePipeError } = await import(`${ROOT}/dist/errors/errors.js`);
const { fromWire, toWire } = await import(`${ROOT}/dist/errors/wire.js`);

const init = { format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 }, maxRecordBytes: 1 << 20, keys: [], sha256: 'js' };
const plan = (columns: unknown[] = []) => ({ id: 1, fieldCount: 2, columns, lineEnd: 0x0a });
const chunk = (text: string): ArrayBuffer => {
  const b = Buffer.from(text);
  const own = new ArrayBuffer(b.length);
  new Uint8Array(own).set(b);
  return own;
};
const failure = async (run: Promise<unknown>): Promise<any> => {
  try {
    await run;
  } catch (err) {
    return err;
  }
  throw new Error('expected the task to fail');
};

describe('a worker-side failure arrives on the main side with its code and context', () => {
  it('a chunk the worker throws on', async () => {
    const pool = new ChunkPool(init, 1);
    try {
      // A length past the chunk's end: the worker cannot read the chunk it was given.
      const err = await failure(pool.run(plan(), chunk('1,a\n'), 64, undefined));
      expect(err).toBeInstanceOf(AudiencePipeError);
      expect(err).toMatchObject({ code: 'ERR_INTERNAL', exitCode: 1, context: { thread: 'worker', chunkBytes: 64, error: 'RangeError' } });
      // The pool is still usable: one bad task fails that task.
      const ok = await pool.run(plan(), chunk('1,a\n'), 4, undefined);
      expect(ok.recordsOut).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a processor that cannot start fails each task with its message and code', async () => {
    const pool = new ChunkPool(init, 1);
    try {
      const err = await failure(pool.run(plan([{ index: 1, name: 'b', op: 'encrypt', params: { key: 0, encoding: 'hex' } }]), chunk('1,a\n'), 4, undefined));
      expect(err).toBeInstanceOf(AudiencePipeError);
      expect(err).toMatchObject({ code: 'ERR_INTERNAL', context: { thread: 'worker', chunkBytes: 4 } });
      expect(err.message).toMatch(/key/);
    } finally {
      await pool.close();
    }
  });
});

describe('the wire form', () => {
  it("keeps a project error's code, message and context through a structured clone, as postMessage does", () => {
    const thrown = new AudiencePipeError('ERR_BAD_HEADER', 'line 1: bad', { context: { column: 3 } });
    // What a cloned Error would have kept: the message, not the code.
    expect((structuredClone(thrown) as { code?: string }).code).toBeUndefined();
    const back = fromWire(structuredClone(toWire(thrown, { thread: 'worker', chunkBytes: 10 })));
    expect(back).toBeInstanceOf(AudiencePipeError);
    expect(back).toMatchObject({ code: 'ERR_BAD_HEADER', message: 'line 1: bad', exitCode: 1, context: { thread: 'worker', chunkBytes: 10, column: 3 } });
  });

  it("an error that is not the worker's wire form (a crashed worker, Piscina's own) is ERR_WORKER, the original as cause", () => {
    const crash = Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    expect(fromWire(crash)).toMatchObject({ code: 'ERR_WORKER', message: crash.message, cause: crash });
    expect(fromWire({ code: 'ENOENT', message: 'not ours' })).toMatchObject({ code: 'ERR_WORKER' });
  });
});

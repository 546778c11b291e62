/**
 * The pool's workers load their entry with import(), never through Node's require() of an ES
 * module, whose facade aborted the process now and then as a worker started (a SIGABRT in
 * CreateRequiredModuleFacade, seen in the suite and in ~1 of 800 pools started in a loop: too
 * rare for a test to wait for). Piscina tries require() first and imports when it fails.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const { ChunkPool, WORKER_EXEC_ARGV } = await import(`${ROOT}/dist/pool/chunk-pool.js`);

it("a worker with the pool's flags cannot require() an ES module, so Piscina imports the entry", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-'));
  const file = join(dir, 'm.mjs');
  writeFileSync(file, 'export default 1;\n');
  const code = `const { parentPort } = require('node:worker_threads'); try { require(${JSON.stringify(file)}); parentPort.postMessage('required'); } catch (e) { parentPort.postMessage(e.code); }`;
  const worker = new Worker(code, { eval: true, execArgv: [...WORKER_EXEC_ARGV] });
  const said = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  expect(said).toBe('ERR_REQUIRE_ESM');
});

it('the pool still runs chunks', async () => {
  const pool = new ChunkPool({ format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 }, maxRecordBytes: 1 << 20, keys: [], sha256: 'js' }, 2);
  try {
    const bytes = Buffer.from('1,a\n2,b\n');
    const chunk = new ArrayBuffer(bytes.length);
    new Uint8Array(chunk).set(bytes);
    const result = await pool.run({ id: 1, fieldCount: 2, columns: [], lineEnd: 0x0a }, chunk, bytes.length, undefined);
    expect(result.recordsOut).toBe(2);
    expect(Buffer.from(result.out, 0, result.outLength).toString()).toBe('1,a\n2,b\n');
  } finally {
    await pool.close();
  }
});

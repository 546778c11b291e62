/**
 * The file the pool starts each worker on. A worker does not share the main thread's compile
 * cache (the bin's, src/cli/main.ts), so without this every worker compiled its ~35 modules at
 * each start, a few percent of a short run. The cache is turned on here, before the entry's modules
 * load, in the directory the pool names; a library run without a cache passes none.
 */
import { enableCompileCache } from 'node:module';
import { workerData } from 'node:worker_threads';
import type { WorkerInit } from '../protocol/messages.js';

const dir = (workerData as WorkerInit).compileCache;
if (dir !== undefined) {
  try {
    enableCompileCache(dir);
  } catch {
    // A cache that cannot be set up only costs speed.
  }
}

const { default: handle } = await import('./entry.js');
export default handle;

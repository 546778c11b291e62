/**
 * Node pipes every worker's stdout and stderr into the process's own (`pipe()`, one set of
 * listeners per worker on process.stdout and process.stderr), so with 16 workers the next
 * listener anyone adds there prints a MaxListenersExceededWarning into stderr, breaking its
 * NDJSON. Each worker's streams are unpiped and forwarded by listeners on the worker's side.
 * A worker's stdout goes to stderr: stdout carries the output data alone.
 */
import type { Worker } from 'node:worker_threads';

const adopted = new WeakSet<Worker>();

export function forwardWorkerStdio(worker: Worker): void {
  if (adopted.has(worker)) return;
  adopted.add(worker);
  worker.stdout.unpipe(process.stdout);
  worker.stderr.unpipe(process.stderr);
  const toStderr = (chunk: Buffer): void => {
    process.stderr.write(chunk);
  };
  worker.stdout.on('data', toStderr);
  worker.stderr.on('data', toStderr);
}

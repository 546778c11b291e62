/**
 * Worker side of the shared read-only state (src/pool/shared-state.ts writes it): reads a
 * region in place from `WorkerInit.shared`, no copy per worker.
 */
import { RunError } from '../errors/errors.js';
import { SHARED_GENERATION, SHARED_HEADER_BYTES, SHARED_LENGTH } from '../protocol/shared-layout.js';

export interface SharedView {
  /** 0 while the main thread has published nothing. */
  readonly generation: number;
  /** The content, a view of the shared memory itself: never to be written. */
  readonly bytes: Uint8Array;
}

export function readShared(shared: Readonly<Record<string, SharedArrayBuffer>> | undefined, name: string): SharedView {
  const buffer = shared?.[name];
  // The main side defines every region before the workers start: a missing one is a bug.
  if (buffer === undefined) throw new RunError('ERR_INTERNAL', `no shared state named "${name}"`);
  const header = new Int32Array(buffer, 0, 2);
  // The generation first: the publish stored it last, so the length read after it is as new.
  const generation = Atomics.load(header, SHARED_GENERATION);
  const length = Atomics.load(header, SHARED_LENGTH);
  return { generation, bytes: new Uint8Array(buffer, SHARED_HEADER_BYTES, length) };
}

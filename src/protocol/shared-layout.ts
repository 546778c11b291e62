/**
 * How a region of shared read-only state is laid out in its SharedArrayBuffer, agreed by the
 * main thread (src/pool/shared-state.ts, the only writer) and the workers (src/worker/shared.ts).
 * Imports nothing.
 *
 * A region is a growable SharedArrayBuffer: an 8-byte header of two Int32 slots, then the
 * content. The main thread may fill it after the workers started (the pool starts before the
 * header, and an index is built later), so a worker reads the length and the generation from
 * the header instead of trusting the buffer's size.
 */
export const SHARED_HEADER_BYTES = 8;
/** Int32 slot: bumped by each publish; 0 means nothing was published yet. */
export const SHARED_GENERATION = 0;
/** Int32 slot: bytes of content after the header. */
export const SHARED_LENGTH = 1;

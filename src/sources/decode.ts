/**
 * Turns a part's raw byte stream into its content: gzip is recognised by its magic bytes (not
 * the name) and decompressed off the main thread by zlib. Counts raw bytes as read.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ByteStream } from './source.js';

export async function* decodedBytes(raw: ByteStream, onRawBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    onRawBytes(next.value.length);
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      onRawBytes(next.value.length);
      yield next.value;
    }
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    // zlib reads its input later: each buffer is copied, as the source may reuse it.
    async function* owned(): AsyncGenerator<Buffer> {
      for await (const b of rest()) yield Buffer.from(b);
    }
    const feeding = pipeline(Readable.from(owned(), { objectMode: false }), gunzip);
    feeding.catch(() => {});
    for await (const chunk of gunzip) yield chunk as Buffer;
    await feeding;
    return;
  }
  yield* rest();
}

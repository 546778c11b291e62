/**
 * SpoolFile: the SFTP sink's local spool, written with O_DIRECT through aligned staging buffers
 * where the filesystem allows it, buffered otherwise. Whatever the mode, the file must hold
 * exactly the appended bytes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SpoolFile } from '../src/transport/spool-file.js';
import { mulberry32 } from '../src/tools/generate/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'spool-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `spool-${n++}`);

/** Chunks of awkward sizes around block and stage boundaries, with seeded bytes. */
function chunks(stage: number, seed: number): Buffer[] {
  const rnd = mulberry32(seed);
  const sizes = [0, 1, 511, 512, 4095, 4096, 4097, stage - 1, stage, stage + 1, 3 * stage + 17, 0, 2, stage - 3];
  for (let i = 0; i < 40; i++) sizes.push(Math.floor(rnd() * 3 * stage));
  return sizes.map((size) => {
    const b = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  });
}

async function fill(spool: SpoolFile, parts: Buffer[]): Promise<void> {
  // Several chunks per call, as the sink's writev hands them over.
  for (let i = 0; i < parts.length; i += 3) await spool.append(parts.slice(i, i + 3));
  await spool.finish();
}

describe('SpoolFile', () => {
  it('holds exactly the appended bytes with O_DIRECT, whole stages and a padded tail cut back', async () => {
    const stage = 64 * 1024;
    const parts = chunks(stage, 1);
    const path = fresh();
    const spool = await SpoolFile.create(path, { stageBytes: stage });
    // This machine's temporary directory (ext4 or tmpfs on Linux) takes direct writes.
    if (process.platform === 'linux') expect(spool.direct).toBe(true);
    await fill(spool, parts);
    const want = Buffer.concat(parts);
    expect(spool.bytes).toBe(want.length);
    expect(statSync(path).size).toBe(want.length);
    expect(readFileSync(path).equals(want)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('holds exactly the appended bytes when buffered', async () => {
    const stage = 64 * 1024;
    const parts = chunks(stage, 2);
    const path = fresh();
    const spool = await SpoolFile.create(path, { stageBytes: stage, direct: false });
    expect(spool.direct).toBe(false);
    await fill(spool, parts);
    expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
  });

  it('goes on buffered, losing nothing, when a direct write is refused', async () => {
    // 1000-byte stages are not whole blocks: the first direct write fails with EINVAL.
    const parts = chunks(1000, 3);
    const path = fresh();
    const spool = await SpoolFile.create(path, { stageBytes: 1000 });
    await fill(spool, parts);
    expect(spool.direct).toBe(false);
    expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
  });

  it('goes buffered when no aligned (WebAssembly) memory can be had', async () => {
    vi.stubGlobal('WebAssembly', { Memory: class { constructor() { throw new RangeError('WebAssembly.Memory(): could not allocate memory'); } } });
    try {
      const parts = chunks(64 * 1024, 4);
      const path = fresh();
      const spool = await SpoolFile.create(path, { stageBytes: 64 * 1024 });
      expect(spool.direct).toBe(false);
      await fill(spool, parts);
      expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('writes an empty file, and a tail shorter than a block', async () => {
    const empty = fresh();
    await (await SpoolFile.create(empty)).finish();
    expect(statSync(empty).size).toBe(0);
    const short = fresh();
    const spool = await SpoolFile.create(short);
    await spool.append([Buffer.from('id,email\n'), Buffer.from('1,a@example.com\n')]);
    await spool.finish();
    expect(readFileSync(short, 'utf8')).toBe('id,email\n1,a@example.com\n');
  });

  it('refuses an existing path, and appends after finish or discard', async () => {
    const taken = fresh();
    writeFileSync(taken, 'keep');
    await expect(SpoolFile.create(taken)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(taken, 'utf8')).toBe('keep');

    const done = await SpoolFile.create(fresh());
    await done.finish();
    await expect(done.append([Buffer.from('x')])).rejects.toThrow(/closed/);

    const thrown = await SpoolFile.create(fresh(), { stageBytes: 4096 });
    await thrown.append([Buffer.alloc(10_000, 1)]);
    await thrown.discard();
    await thrown.discard();
    await expect(thrown.append([Buffer.from('x')])).rejects.toThrow(/closed/);
  });
});

/**
 * Splits (--split-rows, --split-bytes) and the publishing of a routed run's files, on hand-built
 * chunks: every record in exactly one file, in order, never cut; each CSV part with the header;
 * AEP names (seg.csv, seg_2.csv, ...); a failure anywhere publishes no file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFileTarget, type FileSink, type FileTarget } from '../src/outputs/file-targets.js';
import { chunkOf, filesIn, linesOf, route, type Rec } from './helpers/routed.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ap-split-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const recs = (n: number, from = 1): Rec[] => Array.from({ length: n }, (_, i) => ({ out: `${from + i},user${from + i}@example.com` }));
/** `recs` in chunks of `size`. */
const chunked = (all: Rec[], size: number) => Array.from({ length: Math.ceil(all.length / size) }, (_, k) => chunkOf(all.slice(k * size, k * size + size), k * size));

describe('--split-rows', () => {
  it('cuts every n records across chunk boundaries, each part with the header, names seg.csv, seg_2.csv, ...', async () => {
    const all = recs(10);
    const { accounting, error } = await route({ dir, settings: { splitRows: 3 }, columns: ['id', 'email'], chunks: chunked(all, 4), header: 'id,email' });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg.csv', 'seg_2.csv', 'seg_3.csv', 'seg_4.csv']);
    const parts = filesIn(dir).map((f) => linesOf(join(dir, f)));
    for (const p of parts) expect(p[0]).toBe('id,email');
    expect(parts.map((p) => p.length - 1)).toEqual([3, 3, 3, 1]);
    expect(parts.flatMap((p) => p.slice(1))).toEqual(all.map((r) => r.out));
    expect(accounting.files!.map((f) => [f.name, f.records])).toEqual([['seg.csv', 3], ['seg_2.csv', 3], ['seg_3.csv', 3], ['seg_4.csv', 1]]);
    for (const f of accounting.files!) {
      const stored = readFileSync(join(dir, f.name));
      expect(f.bytes).toBe(stored.length);
      expect(f.md5).toBe(createHash('md5').update(stored).digest('hex'));
    }
    expect(accounting.toReport({ status: 'ok', input: 'x', output: dir, durationMs: 0, workers: 1 }).files!.reduce((n, f) => n + f.records, 0)).toBe(accounting.recordsOut);
  });

  it('one part only: no part number (seg.csv)', async () => {
    const { error } = await route({ dir, settings: { splitRows: 5 }, columns: ['id', 'email'], chunks: chunked(recs(5), 2), header: 'id,email' });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg.csv']);
  });

  it('no record at all: one CSV file with the header', async () => {
    const { error, accounting } = await route({ dir, settings: { splitRows: 5 }, columns: ['id', 'email'], chunks: [chunkOf([])], header: 'id,email' });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg.csv']);
    expect(readFileSync(join(dir, 'seg.csv'), 'utf8')).toBe('id,email\n');
    expect(accounting.files).toEqual([{ name: 'seg.csv', records: 0, bytes: 9, md5: createHash('md5').update('id,email\n').digest('hex') }]);
  });
});

describe('--split-bytes', () => {
  it('never cuts a record: a part ends before the record that would pass the limit (header counted)', async () => {
    // Records of varied sizes (10 to 60 bytes with the LF).
    const all: Rec[] = Array.from({ length: 40 }, (_, i) => ({ out: `${i},${'x'.repeat((i * 7) % 51)}` }));
    const limit = 100;
    const { error, accounting } = await route({ dir, settings: { splitBytes: limit }, columns: ['id', 'v'], chunks: chunked(all, 7), header: 'id,v' });
    expect(error).toBeUndefined();
    // In part order (the report's), not the directory's.
    const names = accounting.files!.map((f) => f.name);
    expect([...names].sort()).toEqual(filesIn(dir));
    expect(names.length).toBeGreaterThan(5);
    const parts = names.map((n) => readFileSync(join(dir, n), 'utf8'));
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(limit);
    const lines = names.map((n) => linesOf(join(dir, n)));
    expect(lines.flatMap((l) => l.slice(1))).toEqual(all.map((r) => r.out));
    // Each part but the last is full: its next record would not have fitted.
    for (let k = 0; k < parts.length - 1; k++) expect(Buffer.byteLength(parts[k]) + Buffer.byteLength(`${lines[k + 1][1]}\n`)).toBeGreaterThan(limit);
  });

  it('a record larger than the limit gets a part of its own', async () => {
    const all: Rec[] = [{ out: '1,a' }, { out: `2,${'y'.repeat(300)}` }, { out: '3,c' }];
    const { error } = await route({ dir, settings: { splitBytes: 50 }, columns: ['id', 'v'], chunks: [chunkOf(all)], header: 'id,v' });
    expect(error).toBeUndefined();
    expect(filesIn(dir).map((n) => linesOf(join(dir, n)).length - 1)).toEqual([1, 1, 1]);
  });

  it('with gzip the limit is of the uncompressed bytes; each part is valid gzip and together they are the records', async () => {
    const all = recs(200);
    const { error, accounting } = await route({ dir, settings: { splitBytes: 2000 }, columns: ['id', 'email'], chunks: chunked(all, 33), header: 'id,email', gzip: true, base: 'seg.csv.gz' });
    expect(error).toBeUndefined();
    const names = filesIn(dir);
    expect(names[0]).toBe('seg.csv.gz');
    expect(names[1]).toBe('seg_2.csv.gz');
    const texts = names.map((n) => gunzipSync(readFileSync(join(dir, n))).toString());
    for (const t of texts) {
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(2000);
      expect(t.startsWith('id,email\n')).toBe(true);
    }
    expect(texts.flatMap((t) => t.split('\n').slice(1, -1))).toEqual(all.map((r) => r.out));
    // bytes and md5 are of the compressed file as stored.
    for (const f of accounting.files!) expect(f.md5).toBe(createHash('md5').update(readFileSync(join(dir, f.name))).digest('hex'));
  });

  it('an empty gzip output is still valid gzip (one empty member)', async () => {
    const { error } = await route({ dir, settings: { splitRows: 1 }, columns: ['id'], chunks: [chunkOf([])], gzip: true, base: 'seg.csv.gz' });
    expect(error).toBeUndefined();
    expect(gunzipSync(readFileSync(join(dir, 'seg.csv.gz'))).length).toBe(0);
  });
});

describe('publishing a routed run', () => {
  it('a failure in the middle of the input publishes no file and leaves no temporary file', async () => {
    const { error } = await route({ dir, settings: { splitRows: 2 }, columns: ['id', 'email'], chunks: chunked(recs(12), 3), header: 'id,email', failAfter: 2 });
    expect((error as Error).message).toBe('injected failure');
    expect(filesIn(dir)).toEqual([]);
  });

  it('a part that cannot be written (its writable fails) publishes none of the others', async () => {
    const local = localFileTarget(dir);
    let made = 0;
    const target: FileTarget = {
      ...local,
      async create(): Promise<FileSink> {
        const sink = await local.create();
        if (++made !== 3) return sink;
        return {
          ...sink,
          setName: (n) => sink.setName(n),
          open: async (signal) => {
            const w = await sink.open(signal);
            w.destroy(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ERR_OUTPUT' }));
            return w;
          },
          prepare: () => sink.prepare!(),
          commit: () => sink.commit(),
          abort: (r) => sink.abort(r),
        };
      },
    };
    const { error } = await route({ dir, target, settings: { splitRows: 2 }, columns: ['id', 'email'], chunks: chunked(recs(12), 3), header: 'id,email' });
    expect((error as Error).message).toContain('ENOSPC');
    expect(filesIn(dir)).toEqual([]);
  });

  it('a rename failing after others were published: ERR_PUBLISH_PARTIAL lists the published files', async () => {
    const local = localFileTarget(dir);
    let made = 0;
    const target: FileTarget = {
      ...local,
      async create(): Promise<FileSink> {
        const sink = await local.create();
        if (++made !== 2) return sink;
        return {
          ...sink,
          get description() {
            return sink.description;
          },
          setName: (n) => sink.setName(n),
          open: (signal) => sink.open(signal),
          prepare: () => sink.prepare!(),
          commit: async () => {
            throw Object.assign(new Error('EACCES: permission denied'), { code: 'ERR_OUTPUT' });
          },
          abort: (r) => sink.abort(r),
        };
      },
    };
    const { error } = await route({ dir, target, settings: { splitRows: 2 }, columns: ['id', 'email'], chunks: chunked(recs(6), 3), header: 'id,email' });
    expect(error).toMatchObject({ code: 'ERR_PUBLISH_PARTIAL', published: [join(dir, 'seg.csv')] });
    expect((error as Error).message).toBe(`publishing ${join(dir, 'seg_2.csv')} failed after ${join(dir, 'seg.csv')} had been published: EACCES: permission denied`);
    expect(filesIn(dir)).toEqual(['seg.csv']);
  });
});

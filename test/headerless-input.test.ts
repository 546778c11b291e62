/**
 * A format without a header (AAM's files will be such): the chunker yields records only, from the
 * first byte after a BOM, and the run's input and accounting stages take the columns from the
 * format and count lines from the file's first line. The format here is a test's own (CSV
 * framing with fixed column names), never a user-facing one.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CsvFraming } from '../src/formats/csv/framing.js';
import type { FormatRun } from '../src/formats/format.js';
import { frameRecords, type FramedItem } from '../src/pipeline/chunker.js';
import { accounted } from '../src/pipeline/account.js';
import type { Done } from '../src/pipeline/dispatch.js';
import { openInputs } from '../src/pipeline/inputs.js';
import { RejectLimit } from '../src/pipeline/reject-limit.js';
import { BufferPool } from '../src/pool/buffer-pool.js';
import { RejectsWriter } from '../src/report/rejects-writer.js';
import { RunAccounting } from '../src/report/run-report.js';
import type { SourcePart } from '../src/sources/source.js';
import { RecordEngine } from '../src/worker/record-engine.js';
import { rng } from './helpers/engine.js';

const DIALECT = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };

const headerless: FormatRun = {
  settings: { name: 'test-headerless', ...DIALECT },
  header: { kind: 'none', columns: ['id', 'segments', 'removed_segments'] },
  framing: () => new CsvFraming(DIALECT),
};

async function* reads(input: Buffer, readSize: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < input.length; i += readSize) yield input.subarray(i, Math.min(input.length, i + readSize));
}

async function framed(input: Buffer, chunkSize: number, readSize: number): Promise<FramedItem[]> {
  const items: FramedItem[] = [];
  for await (const item of frameRecords(reads(input, readSize), { framing: new CsvFraming(DIALECT), header: false, chunkSize, maxRecordBytes: 1 << 20 })) items.push(item);
  return items;
}

const bytesOf = (items: FramedItem[]): Buffer => Buffer.concat(items.map((i) => (i.kind === 'records' ? Buffer.from(i.buffer, 0, i.length) : Buffer.alloc(0))));

describe('the chunker without a header', () => {
  it('yields every record as data, cut on record ends, at every chunk and read size', async () => {
    const next = rng(11);
    const rows: string[] = [];
    for (let i = 0; i < 300; i++) rows.push(next() < 0.2 ? `${i},"a\nb,c",` : `${i},s${i},`);
    const input = Buffer.from(rows.join('\n') + '\n');
    for (const chunkSize of [1, 7, 64, 1 << 16]) {
      for (const readSize of [1, 5, 4096]) {
        const items = await framed(input, chunkSize, readSize);
        expect(items.every((i) => i.kind === 'records')).toBe(true);
        expect(bytesOf(items).equals(input)).toBe(true);
        for (const item of items) {
          const chunk = Buffer.from((item as Extract<FramedItem, { kind: 'records' }>).buffer, 0, (item as Extract<FramedItem, { kind: 'records' }>).length);
          // Every chunk ends on a record end: its quotes are balanced and it ends with LF.
          expect(chunk.at(-1)).toBe(0x0a);
          expect(chunk.toString('latin1').split('"').length % 2).toBe(1);
        }
      }
    }
  });

  it('drops a BOM, keeps blank first lines as data, and an empty input is no error', async () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\n1,a,\n2,b,\n')]);
    for (const readSize of [1, 2, 4096]) expect(bytesOf(await framed(input, 4, readSize)).toString()).toBe('\n1,a,\n2,b,\n');
    expect(await framed(Buffer.alloc(0), 4, 1)).toEqual([]);
    expect(bytesOf(await framed(Buffer.from('x'), 4, 1)).toString()).toBe('x');
  });
});

describe('the run stages with a headerless format', () => {
  const part = (name: string, text: string): SourcePart => ({ name, open: async () => Readable.from([Buffer.from(text)]) });

  it('take the columns from the format, read no header, and number lines from each file\'s first line', async () => {
    const files = [part('a', 'u1,s1,\nu2,s2\nu3,s3,r3\n'), part('b', 'v1,t1,\n"v2,t2,\n')];
    const inputs = await openInputs(files, { format: headerless, chunkSize: 8, maxRecordBytes: 1 << 20, allocate: (n) => new ArrayBuffer(n), onBytesIn: () => {}, signal: new AbortController().signal });
    expect(inputs.start).toEqual({ columns: ['id', 'segments', 'removed_segments'], lineEnd: 0x0a });
    await inputs.checkSameHeaders();

    const processor = new RecordEngine({ format: { name: 'csv', ...DIALECT }, maxRecordBytes: 1 << 20, keys: [], sha256: 'js' }, { fieldCount: 3, columns: [], lineEnd: 0x0a });
    async function* done(): AsyncGenerator<Done> {
      for await (const items of inputs.files()) {
        yield { kind: 'file' };
        for await (const item of items) {
          if (item.kind !== 'records') yield item;
          else yield { kind: 'records', result: { ...processor.process(new Uint8Array(item.buffer, 0, item.length), item.length), input: item.buffer } };
        }
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'headerless-'));
    const rejects = new RejectsWriter(join(dir, 'rejects.csv'));
    await rejects.open();
    const accounting = new RunAccounting();
    accounting.setColumns([]);
    const out: Buffer[] = [];
    for await (const b of accounted(done(), { accounting, columns: inputs.start.columns, rejects, rejectLimit: new RejectLimit(undefined), delivered: async () => undefined, buffers: new BufferPool(0), poolError: () => undefined, onRecordsOut: () => {}, log: pino({ level: 'silent' }) })) out.push(Buffer.from(b));
    await rejects.prepare();
    await rejects.publish();

    expect(Buffer.concat(out).toString()).toBe('u1,s1,\nu3,s3,r3\nv1,t1,\n');
    expect(accounting.recordsIn).toBe(5);
    // Line 2 of a (two fields) and line 2 of b (an unterminated quote) are their files' own line numbers.
    expect(readFileSync(join(dir, 'rejects.csv'), 'utf8')).toBe('line,column,reason,record\n2,,field_count,"u2,s2"\n2,,bad_quote,"""v2,t2,"\n');
  });
});

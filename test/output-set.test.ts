/**
 * The output set: every part complete before any is published, publishes in order, and a
 * failure among the publishes names what was already published. The run-level cases use the
 * built library (the pool needs the built worker) with the real file sink and reject file.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputSet, PartialPublishError, type OutputPart } from '../src/outputs/output-set.js';
import { RejectsWriter } from '../src/report/rejects-writer.js';
import { ROOT } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ap-output-set-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recorded(name: string, calls: string[], fail?: 'prepare' | 'publish'): OutputPart {
  return {
    name,
    prepare: async () => {
      calls.push(`prepare ${name}`);
      if (fail === 'prepare') throw new Error(`${name} is incomplete`);
    },
    publish: async () => {
      calls.push(`publish ${name}`);
      if (fail === 'publish') throw Object.assign(new Error(`${name} cannot be renamed`), { code: 'ERR_OUTPUT' });
    },
    abort: async () => {
      calls.push(`abort ${name}`);
    },
  };
}

describe('OutputSet', () => {
  it('prepares every part before publishing any, and publishes in the order added', async () => {
    const calls: string[] = [];
    const set = new OutputSet();
    for (const name of ['out.csv', 'rejects.csv', 'out_2.csv']) set.add(recorded(name, calls));
    await set.commit();
    expect(calls).toEqual(['prepare out.csv', 'prepare rejects.csv', 'prepare out_2.csv', 'publish out.csv', 'publish rejects.csv', 'publish out_2.csv']);
  });

  it('publishes nothing when a part cannot be completed, and aborts every part', async () => {
    const calls: string[] = [];
    const set = new OutputSet();
    set.add(recorded('out.csv', calls));
    set.add(recorded('rejects.csv', calls, 'prepare'));
    const err = await set.commit().catch((e: unknown) => e);
    await set.abort(err);
    expect((err as Error).message).toBe('rejects.csv is incomplete');
    expect(calls).toEqual(['prepare out.csv', 'prepare rejects.csv', 'abort out.csv', 'abort rejects.csv']);
  });

  it('a first publish that fails is the run error as it was (nothing was published)', async () => {
    const calls: string[] = [];
    const set = new OutputSet();
    set.add(recorded('out.csv', calls, 'publish'));
    set.add(recorded('rejects.csv', calls));
    const err = await set.commit().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PartialPublishError);
    expect((err as { code: string }).code).toBe('ERR_OUTPUT');
  });

  it('a later publish that fails lists the files already published, and aborts only the rest', async () => {
    const calls: string[] = [];
    const set = new OutputSet();
    set.add(recorded('out.csv', calls));
    set.add(recorded('rejects.csv', calls));
    set.add(recorded('out_2.csv', calls, 'publish'));
    set.add(recorded('out_3.csv', calls));
    const err = await set.commit().catch((e: unknown) => e);
    await set.abort(err);
    expect(err).toBeInstanceOf(PartialPublishError);
    expect(err).toMatchObject({ code: 'ERR_PUBLISH_PARTIAL', exitCode: 1, published: ['out.csv', 'rejects.csv'] });
    expect((err as Error).message).toBe('publishing out_2.csv failed after out.csv, rejects.csv had been published: out_2.csv cannot be renamed');
    expect(calls.slice(-2)).toEqual(['abort out_2.csv', 'abort out_3.csv']);
  });

  it('with the real reject file: its rename failing after the output was published', async () => {
    const rejects = join(dir, 'unit-rejects.csv');
    const writer = new RejectsWriter(rejects);
    const set = new OutputSet();
    const calls: string[] = [];
    set.add(recorded('out.csv', calls));
    set.add(writer);
    await writer.open();
    await writer.add(2, 'email', 'invalid_email', Buffer.from('1,x'));
    // A non-empty directory under the final name: rename(2) of a file over it fails.
    mkdirSync(join(rejects, 'sub'), { recursive: true });
    const err = await set.commit().catch((e: unknown) => e);
    await set.abort(err);
    expect(err).toMatchObject({ code: 'ERR_PUBLISH_PARTIAL', published: ['out.csv'] });
    expect((err as Error & { cause: { code: string } }).cause.code).toBe('ERR_REJECTS');
    // The reject file's temporary file is gone: only the directory in its way remains.
    expect(readdirSync(dir).filter((n) => n.includes('unit-rejects'))).toEqual(['unit-rejects.csv']);
  });
});

describe('the run publishes through the output set', () => {
  const input = Buffer.from('id,email\n1,a@b.co\n2,not-an-email\n');
  const config = async (extra: Record<string, unknown>) => {
    const lib = await import(`${ROOT}/dist/index.js`);
    return { lib, config: lib.buildProcessConfig({ hash: ['email=email_lc_sha256'], workers: '1', ...extra }, {}) };
  };
  const source = { description: 'memory', parts: async () => [{ name: 'mem.csv', open: async () => Readable.from([input]) }] };
  const log = async () => (await import('pino')).default({ level: 'silent' });

  it('a reject file that cannot be renamed after the output was published: ERR_PUBLISH_PARTIAL naming the output', async () => {
    const out = join(dir, 'run-out.csv');
    const rejects = join(dir, 'run-rejects.csv');
    const { lib, config: cfg } = await config({ out, rejects, maxRejects: 'none' });
    const endpoints = new lib.RunEndpoints(cfg, await log());
    const outcome = await lib.runProcess(cfg, {
      source,
      openSink: async (name: string | undefined) => {
        const sink = await endpoints.sink(name);
        return {
          ...sink,
          open: (signal: AbortSignal) => sink.open(signal),
          // Once the output is published, something takes the reject file's name.
          commit: async () => {
            await sink.commit();
            mkdirSync(join(rejects, 'sub'), { recursive: true });
          },
        };
      },
      log: await log(),
    });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.report.error.code).toBe('ERR_PUBLISH_PARTIAL');
    expect(outcome.report.error.message).toContain(`after ${out} had been published`);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('id,email');
  });

  it('gzips because the sink says so, not because its description ends in .gz', async () => {
    const { lib, config: cfg } = await config({});
    const run = async (description: string, gzip: boolean | undefined) => {
      const written: Buffer[] = [];
      const outcome = await lib.runProcess(cfg, {
        source,
        openSink: () => ({
          description,
          gzip,
          open: async () => new Writable({ write: (chunk: Buffer, _e, cb) => (written.push(Buffer.from(chunk)), cb()) }),
          commit: async () => {},
          abort: async () => {},
        }),
        log: await log(),
      });
      expect(outcome.exitCode).toBe(0);
      return Buffer.concat(written);
    };
    const plain = await run('memory.csv.gz', undefined);
    expect(plain.subarray(0, 9).toString()).toBe('id,email\n');
    expect(gunzipSync(await run('memory', true)).equals(plain)).toBe(true);
  });

  it('a local .gz output is gzipped (the file sink says gzip from its resolved path)', async () => {
    const out = join(dir, 'plain-name');
    mkdirSync(out);
    const { lib, config: cfg } = await config({ out: `${out}/`, name: 'named.csv.gz' });
    const endpoints = new lib.RunEndpoints(cfg, await log());
    const outcome = await lib.runProcess(cfg, { source, openSink: (n: string | undefined) => endpoints.sink(n), log: await log() });
    expect(outcome.exitCode).toBe(0);
    expect(gunzipSync(readFileSync(join(out, 'named.csv.gz'))).toString().split('\n')[0]).toBe('id,email');
  });
});

/** The library entry (dist/index.js): the CLI's engine with a program's own source and sink. */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

it('runs a job from an in-memory source to an in-memory sink and reports it', async () => {
  const lib = await import(`${ROOT}/dist/index.js`);
  const config = lib.buildProcessConfig({ hash: ['email=email_lc_sha256'], workers: '2', chunkSize: '64' }, {});
  const rows = Array.from({ length: 500 }, (_, i) => `${i},User${i}@Example.com`);
  const input = Buffer.from(['id,email', ...rows, '501,not-an-email'].join('\n') + '\n');
  const written: Buffer[] = [];
  let committed = false;
  const outcome = await lib.runProcess(config, {
    source: { description: 'memory', parts: async () => [{ name: 'mem.csv', open: async () => Readable.from([input]) }] },
    openSink: () => ({
      description: 'memory',
      open: async () =>
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            written.push(Buffer.from(chunk));
            cb();
          },
        }),
      commit: async () => {
        committed = true;
      },
      abort: async () => {},
    }),
    log: (await import('pino')).default({ level: 'silent' }),
  });
  expect(outcome.exitCode).toBe(0);
  expect(committed).toBe(true);
  expect(outcome.report).toMatchObject({ status: 'ok', recordsIn: 501, recordsOut: 500, recordsRejected: 1, rejectReasons: { invalid_email: 1 } });
  const lines = Buffer.concat(written).toString().trimEnd().split('\n');
  expect(lines[0]).toBe('id,email');
  expect(lines[1]).toBe(`0,${sha('user0@example.com')}`);
  expect(lines[500]).toBe(`499,${sha('user499@example.com')}`);
});

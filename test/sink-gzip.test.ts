/**
 * Each sink says whether its output is gzip from the name it resolved (README: "a file (.gz to
 * gzip)"); the run reads that flag and nothing else. No connection is made: sinks connect at open().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, expect, it } from 'vitest';
import { createAzureBlobSink } from '../src/outputs/azure-blob-sink.js';
import { createFileSink, createStdoutSink } from '../src/outputs/local-sink.js';
import { createSftpSink } from '../src/outputs/sftp-sink.js';
import { silentLogger } from '../src/util/logger.js';
import { transportConfig } from './helpers/sftp-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ap-sink-gzip-'));
const agent = new Agent();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await agent.close();
});

it('a local file: from its path, a directory output from the name it takes there', async () => {
  expect((await createFileSink(join(dir, 'out.csv.GZ'))).gzip).toBe(true);
  expect((await createFileSink(join(dir, 'out.csv'))).gzip).toBe(false);
  expect((await createFileSink(`${dir}/`, { inputName: 'audience.csv.gz' })).gzip).toBe(true);
  expect((await createFileSink(`${dir}/`, { name: 'plain.csv', inputName: 'audience.csv.gz' })).gzip).toBe(false);
  expect(createStdoutSink().gzip).toBeFalsy();
});

it('SFTP: from the remote file name, a directory output from --name or the input name', () => {
  const secrets = { sftpPassword: 'pw' };
  const sink = (spec: string, name: string | undefined, input: string | undefined) => createSftpSink(spec, transportConfig({ name }), secrets, silentLogger(), input);
  expect(sink('sftp://u@h/dir/out.csv.gz', undefined, undefined).gzip).toBe(true);
  expect(sink('sftp://u@h/dir/', undefined, 'in/seg.csv.gz').gzip).toBe(true);
  expect(sink('sftp://u@h/dir/', 'seg.csv', 'in/seg.csv.gz').gzip).toBe(false);
});

it('Azure Blob: from the blob name, whatever the SAS query after it', () => {
  const blob = (path: string) => createAzureBlobSink(`https://acct.blob.core.windows.net/c/${path}?sv=2021-08-06&sig=x`, transportConfig(), silentLogger(), agent);
  expect(blob('out.csv.gz').gzip).toBe(true);
  expect(blob('out.csv').gzip).toBe(false);
});

/**
 * A routed run's files on Azure Blob (`--out` a container SAS URL, or a blob URL whose name is
 * the first part's). Azure stages blocks against one blob name and commits them under that
 * same name: a block list cannot be committed under another name, and a blob has no rename.
 * As a routed file's final name is known only at the end of the run, each file is first written
 * to a local spool (in `--tmp-dir`, default the OS's); prepare() uploads the spool as the
 * final blob's blocks (src/outputs/azure-blob-sink.ts, uncommitted, so nothing is visible yet)
 * and commit() puts its block list. A failed run leaves only uncommitted blocks, which Azure
 * discards after 7 days and which never change an existing blob. The cost is local disk for
 * the output and an upload that starts once the last record is written.
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream, open as openCallback } from 'node:fs';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Dispatcher } from 'undici';
import type { TransportConfig } from '../config/types.js';
import { ConfigError, RunError } from '../errors/errors.js';
import { redactUrl } from '../transport/http/url.js';
import type { Logger } from '../util/logger.js';
import { createAzureBlobSink } from './azure-blob-sink.js';
import { FdWritable } from './fd-writable.js';
import { checkPlainName, type FileSink, type RoutedOutput } from './file-targets.js';
import { errnoText } from './resolve-target.js';
import type { Sink } from './sink.js';
import { endAndWait } from './target-writer.js';

const open = promisify(openCallback);

export function azureRoutedOutput(url: string, cfg: TransportConfig, log: Logger, agent: Dispatcher): RoutedOutput {
  const u = new URL(url);
  const segments = u.pathname.split('/').filter(Boolean);
  // A container SAS (sr=c), or a path ending in '/', names the directory; a blob's (sr=b) names the first file.
  const sr = u.searchParams.get('sr');
  const namesBlob = sr === 'c' ? false : sr === 'b' ? true : !u.pathname.endsWith('/') && segments.length > 1;
  const dirPath = `/${(namesBlob ? segments.slice(0, -1) : segments).join('/')}`;
  if (namesBlob && segments.length < 2) throw new ConfigError(`--out ${redactUrl(u)}: expected .../<container>/ or .../<container>/<blob>`, '--out');
  const blobUrl = (name: string): string => `${u.origin}${dirPath}/${encodeURIComponent(name)}${u.search}`;
  const shownDir = redactUrl(new URL(`${u.origin}${dirPath}/${u.search}`));
  let spoolDir: Promise<string> | undefined;
  let n = 0;
  return {
    ...(namesBlob ? { name: decodeURIComponent(segments[segments.length - 1]) } : {}),
    target: {
      description: shownDir,
      describe: (name) => redactUrl(new URL(blobUrl(name))),
      async create(): Promise<FileSink> {
        spoolDir ??= mkdtemp(join(cfg.tmpDir ?? tmpdir(), 'audience-pipe-azure-'));
        const dir = await spoolDir.catch((err: unknown) => {
          throw new RunError('ERR_OUTPUT', `--tmp-dir: cannot create the local spool of the Azure output: ${errnoText(err)}`, err);
        });
        const blob = (name: string): Sink => createAzureBlobSink(blobUrl(name), cfg, log, agent);
        return spooledBlob(join(dir, `${randomBytes(4).toString('hex')}-${++n}`), blob, (name) => redactUrl(new URL(blobUrl(name))), () => rmdir(dir).catch(() => {}));
      },
    },
  };
}

/** `done` is called once the file's spool is gone: the last one's removes the spool directory. */
function spooledBlob(spoolPath: string, blob: (name: string) => Sink, shown: (name: string) => string, done: () => Promise<void>): FileSink {
  let name: string | undefined;
  let writable: FdWritable | undefined;
  let sink: Sink | undefined;
  let signal: AbortSignal | undefined;
  const fail = (err: NodeJS.ErrnoException): Error => new RunError('ERR_OUTPUT', `cannot write the local spool ${spoolPath} of the Azure output: ${errnoText(err)}`, err);
  return {
    get description() {
      return sink?.description ?? (name === undefined ? spoolPath : shown(name));
    },
    releasesWrittenChunks: true,
    setName(n) {
      name = checkPlainName(n);
    },
    async open(s) {
      signal = s;
      const fd = await open(spoolPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600).catch((err: NodeJS.ErrnoException) => {
        throw fail(err);
      });
      writable = new FdWritable(fd, fail);
      return writable;
    },
    async prepare() {
      await endAndWait(writable!);
      sink = blob(name!);
      const upload = await sink.open(signal!);
      await pipeline(createReadStream(spoolPath, { highWaterMark: 1 << 20 }), upload, { signal: signal! });
      await sink.prepare?.();
    },
    async commit() {
      await sink!.commit();
      await rm(spoolPath, { force: true }).catch(() => {});
      await done();
    },
    async abort(reason) {
      writable?.destroy();
      await sink?.abort(reason);
      await rm(spoolPath, { force: true }).catch(() => {});
      await done();
    },
  };
}

/**
 * An SFTP output (`--out sftp://...` or `--out account:NAME`). The output streams to
 * `<name>.part` while it is produced and is spooled to a local file at the same time; prepare
 * checks the remote size (so a run's other outputs are complete before this one is published),
 * commit renames the `.part` over the final name. A failed live upload is retried from the
 * spool on fresh connections (`--retries`), so the transforms never rerun.
 */
import { mkdtemp, open as openFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { RunError, TransportError } from '../errors/errors.js';
import type { Secrets, TransportConfig } from '../config/types.js';
import type { Logger } from '../util/logger.js';
import { gzipByName, type Sink } from './sink.js';
import { displayPath, remoteUrl, type SftpAddress } from '../transport/sftp/address.js';
import { connectSftp, READY_TIMEOUT_MS, type SftpSession } from '../transport/sftp/connect.js';
import { SFTP_BACKOFF_MS, SftpCode, toSftpError } from '../transport/sftp/errors.js';
import { checkPartSize, publishPart, removeIfExists, renameOver } from '../transport/sftp/publish.js';
import { RemoteFileWriter } from '../transport/sftp/remote-writer.js';
import { Retry } from '../transport/retry.js';
import { SpoolTee } from '../transport/sftp/spool-tee.js';
import { SpoolFile } from '../transport/spool-file.js';

/** 'prepared': the `.part` holds the whole output, not yet renamed. */
type State = 'new' | 'open' | 'committing' | 'prepared' | 'committed' | 'failed' | 'aborted';

export class SftpSink implements Sink {
  description: string;
  readonly gzip: boolean;
  /**
   * The write callback fires once the spool has written the chunk and the upload has copied
   * it into its WRITE requests (ssh2 copies synchronously; pieces never exceed the server's
   * maximum, so it keeps no reference): the caller may reuse the chunk's memory.
   */
  readonly releasesWrittenChunks = true;
  private readonly addr: SftpAddress;
  private readonly cfg: TransportConfig;
  private readonly secrets: Secrets;
  private readonly log: Logger;
  private finalPath: string;
  private readonly partPath: string;
  private state: State = 'new';
  private session: SftpSession | undefined;
  private tee: SpoolTee | undefined;
  private liveError: TransportError | undefined;
  private spoolDir: string | undefined;
  private signal: AbortSignal | undefined;
  private partMayExist = false;
  /** The `.part` on the current session was checked complete (by prepare). */
  private partComplete = false;
  private attempts = 0;
  private started = 0;
  private durationMs = 0;
  private fingerprint: string | undefined;
  private committing: Promise<void> | undefined;

  constructor(addr: SftpAddress, finalPath: string, cfg: TransportConfig, secrets: Secrets, log: Logger) {
    this.addr = addr;
    this.finalPath = finalPath;
    this.partPath = `${finalPath}.part`;
    this.cfg = cfg;
    this.secrets = secrets;
    this.log = log;
    this.description = remoteUrl(addr, finalPath);
    this.gzip = gzipByName(finalPath);
  }

  /**
   * A routed run's file (src/outputs/output-files.ts) streams to `<temporary name>.part` and
   * learns its final name only once the run's parts are counted: commit renames the `.part`
   * to this path instead. Before commit() only (prepare() checks the `.part`, whose name stays).
   */
  setFinalPath(path: string): void {
    if (this.state !== 'new' && this.state !== 'open' && this.state !== 'prepared') throw new RunError('ERR_INTERNAL', `SftpSink.setFinalPath() in state ${this.state}`);
    this.finalPath = path;
    this.description = remoteUrl(this.addr, path);
  }

  async open(signal: AbortSignal): Promise<Writable> {
    if (this.state !== 'new') throw new RunError('ERR_INTERNAL', 'SftpSink.open() called twice');
    this.state = 'open';
    this.signal = signal;
    this.started = performance.now();
    this.spoolDir = await mkdtemp(join(this.cfg.tmpDir ?? tmpdir(), 'audience-pipe-sftp-'));
    const spool = await SpoolFile.create(this.spoolPath());
    this.log.debug({ out: this.description, spool: spool.path, direct: spool.direct }, 'sftp spool created');
    this.attempts = 1;
    let live: RemoteFileWriter | undefined;
    try {
      this.session = await this.connect();
      this.partMayExist = true;
      live = await RemoteFileWriter.open(this.session, this.partPath);
    } catch (err) {
      const e = toSftpError(err, { where: this.description, op: 'open', path: displayPath(this.partPath) });
      if (!e.retryable) {
        // The open itself was refused: nothing was created remotely.
        this.partMayExist = false;
        await spool.discard().catch(() => undefined);
        await this.cleanupLocal();
        await this.endSession();
        this.state = 'failed';
        throw e;
      }
      // The output is spooled anyway: a server that is down now gets the spool in commit().
      this.log.warn({ out: this.description, code: e.code, err: e.message }, 'sftp upload could not start; spooling, will upload at the end');
      this.liveError = e;
      await this.endSession();
    }
    const tee = new SpoolTee({
      spool,
      live,
      where: this.description,
      onLiveFailed: (e) => {
        this.liveError = e;
        this.log.warn({ out: this.description, code: e.code, err: e.message, at: tee.bytes }, 'sftp live upload failed; the output continues into the spool and is uploaded again at the end');
        void this.endSession();
      },
    });
    this.tee = tee;
    return tee;
  }

  prepare(): Promise<void> {
    return this.startCommit('prepare', false);
  }

  commit(): Promise<void> {
    return this.startCommit('commit', true);
  }

  private startCommit(what: string, publish: boolean): Promise<void> {
    const ready = this.state === 'open' || (publish && this.state === 'prepared');
    if (!ready || this.tee === undefined) {
      return Promise.reject(new RunError('ERR_INTERNAL', `SftpSink.${what}() in state ${this.state}`));
    }
    if (!this.tee.writableFinished) return Promise.reject(new RunError('ERR_INTERNAL', `SftpSink.${what}() before the output finished`));
    this.state = 'committing';
    this.committing = this.runCommit(publish);
    return this.committing;
  }

  /** Completes the `.part` (retrying from the spool), then publishes it unless only preparing. */
  private async runCommit(publish: boolean): Promise<void> {
    const tee = this.tee as SpoolTee;
    const bytes = tee.bytes;
    const finish = async (session: SftpSession): Promise<void> => {
      if (!publish) await checkPartSize(session, this.partPath, bytes);
      else if (this.partComplete) await renameOver(session, this.partPath, this.finalPath);
      else await publishPart(session, this.partPath, this.finalPath, bytes);
    };
    const done = async (): Promise<void> => {
      if (publish) return this.succeeded(bytes);
      // The live upload's failure, if any, is made good: commit() only renames now.
      this.liveError = undefined;
      this.partComplete = true;
      this.state = 'prepared';
    };
    let last = this.liveError;
    // A prepared part whose connection was let go (suspend()): a fresh one renames it.
    if (publish && last === undefined && this.partComplete && this.session === undefined) {
      try {
        await this.connect();
      } catch (err) {
        last = toSftpError(err, { where: this.description, op: 'publish', path: displayPath(this.finalPath) });
      }
    }
    if (last === undefined && (tee.liveComplete || this.partComplete) && this.session !== undefined) {
      try {
        await finish(this.session);
        return await done();
      } catch (err) {
        last = toSftpError(err, { where: this.description, op: 'publish', path: displayPath(this.finalPath) });
        this.log.warn({ out: this.description, attempt: this.attempts, code: last.code, err: last.message }, 'sftp publish failed');
      }
    }
    this.partComplete = false;
    await this.endSession();
    const retry = new Retry({
      // An upload whose live half never finished gets its spool upload even with --retries 0.
      retries: Math.max(this.cfg.retries, last === undefined ? 1 : 0),
      baseMs: SFTP_BACKOFF_MS,
      signal: this.signal,
      classify: (err) => err as TransportError,
    });
    const aborted = (): TransportError => toSftpError(this.signal?.reason, { where: this.description, op: 'upload' });
    while (this.state === 'committing') {
      try {
        await retry.next(last ?? new TransportError(SftpCode.Connection, `the live upload to ${this.description} did not finish`, { retryable: true }));
      } catch (final) {
        last = this.signal?.aborted ? aborted() : (final as TransportError);
        break;
      }
      this.attempts = retry.attempts;
      try {
        await this.uploadSpool(bytes, finish);
        return await done();
      } catch (err) {
        if (this.signal?.aborted) {
          last = aborted();
          break;
        }
        last = toSftpError(err, { where: this.description, op: 'upload', path: displayPath(this.partPath) });
        this.log.warn({ out: this.description, attempt: this.attempts, code: last.code, err: last.message, retryable: last.retryable }, 'sftp upload attempt failed');
        await this.endSession();
      }
    }
    last ??= new TransportError('ERR_SFTP_ABORTED', `upload to ${this.description} was aborted`, { retryable: false });
    const failure = new TransportError(
      last.code,
      `upload to ${this.description} failed after ${this.attempts} attempt(s): ${last.message}`,
      { retryable: last.retryable, cause: last },
    );
    // An abort() that raced this loop cleans up itself once the loop has stopped.
    if (this.state === 'committing') {
      this.state = 'failed';
      await this.cleanup(failure);
    }
    throw failure;
  }

  /** One retry: a fresh connection, the `.part` started over from the spool. */
  private async uploadSpool(bytes: number, finish: (session: SftpSession) => Promise<void>): Promise<void> {
    this.log.info({ out: this.description, attempt: this.attempts, bytes }, 'sftp uploading from the spool');
    this.session = await this.connect();
    this.partMayExist = true;
    const writer = await RemoteFileWriter.open(this.session, this.partPath);
    const spool = await openFile(this.spoolPath(), 'r');
    try {
      // One buffer for the whole file: write() resolves once ssh2 has copied the bytes into
      // its requests, so the buffer can be refilled (fewer large allocations, fewer GCs).
      const buf = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        if (this.state !== 'committing') throw new TransportError('ERR_SFTP_ABORTED', 'aborted', { retryable: false });
        this.signal?.throwIfAborted();
        const { bytesRead } = await spool.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        await writer.write(buf.subarray(0, bytesRead));
      }
    } finally {
      await spool.close();
    }
    await writer.finish();
    if (this.state !== 'committing') throw new TransportError('ERR_SFTP_ABORTED', 'aborted', { retryable: false });
    await finish(this.session);
  }

  private async succeeded(bytes: number): Promise<void> {
    this.state = 'committed';
    this.durationMs = Math.round(performance.now() - this.started);
    await this.endSession();
    await this.cleanupLocal();
    const mbps = this.durationMs > 0 ? Math.round((bytes / 1e6 / (this.durationMs / 1000)) * 10) / 10 : undefined;
    this.log.info({ ...this.details(), mbPerSec: mbps }, 'sftp upload published');
  }

  /**
   * Once prepared, lets the connection go until commit() (which then connects again to rename):
   * a routed run's finished parts do not each hold a connection while the run goes on.
   */
  async suspend(): Promise<void> {
    if (this.state === 'prepared') await this.endSession();
  }

  async abort(reason: unknown): Promise<void> {
    // 'failed': open() or commit() already cleaned up after itself.
    if (this.state === 'committed' || this.state === 'aborted' || this.state === 'failed') return;
    const wasCommitting = this.state === 'committing';
    this.state = 'aborted';
    try {
      this.tee?.destroy();
      if (wasCommitting) {
        // A running retry loses its connection here and stops before publishing.
        await this.endSession();
        await this.committing?.catch(() => undefined);
      }
      await this.cleanup(reason);
    } catch (err) {
      this.log.warn({ out: this.description, err: (err as Error).message }, 'sftp abort cleanup failed');
    }
  }

  details(): Record<string, unknown> {
    return {
      transport: 'sftp',
      host: this.addr.host,
      port: this.addr.port,
      user: this.addr.username,
      remotePath: displayPath(this.finalPath),
      ...(this.addr.account === undefined ? {} : { account: this.addr.account }),
      ...(this.fingerprint === undefined ? {} : { hostKey: this.fingerprint }),
      bytes: this.tee?.bytes ?? 0,
      attempts: this.attempts,
      durationMs: this.state === 'committed' ? this.durationMs : Math.round(performance.now() - (this.started || performance.now())),
    };
  }

  private async connect(): Promise<SftpSession> {
    const s = await connectSftp(this.addr, this.cfg, this.secrets, this.log, this.signal);
    this.fingerprint = s.fingerprint;
    this.session = s;
    return s;
  }

  /** Removes the `.part` (where the server can be reached) and the spool. Never throws. */
  private async cleanup(reason: unknown): Promise<void> {
    if (this.partMayExist) {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new TransportError('ERR_SFTP_STALLED', 'cleanup timed out', { retryable: false })), READY_TIMEOUT_MS + 5000);
      let s = this.session !== undefined && !this.session.lost.aborted ? this.session : undefined;
      try {
        s ??= await connectSftp(this.addr, this.cfg, this.secrets, this.log, ctl.signal);
        const live = s;
        await new Promise<void>((resolve, reject) => {
          ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason as Error), { once: true });
          removeIfExists(live, this.partPath).then(resolve, reject);
        });
        this.partMayExist = false;
      } catch (err) {
        this.log.warn({ out: this.description, part: displayPath(this.partPath), err: (err as Error).message }, 'could not remove the partial upload');
      } finally {
        clearTimeout(timer);
        await s?.end();
        await this.endSession();
      }
    } else {
      await this.endSession();
    }
    await this.cleanupLocal();
    const why = reason instanceof Error ? reason.message : String(reason);
    this.log.info({ out: this.description, attempts: this.attempts, reason: why }, 'sftp upload abandoned; nothing published');
  }

  private async cleanupLocal(): Promise<void> {
    if (this.spoolDir === undefined) return;
    const dir = this.spoolDir;
    this.spoolDir = undefined;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async endSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.end();
  }

  private spoolPath(): string {
    return join(this.spoolDir as string, 'spool');
  }
}

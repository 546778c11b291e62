import type { Readable } from 'node:stream';
import type { FileEntryWithStats, Stats } from 'ssh2';
import { ConfigError, TransportError } from '../errors/errors.js';
import type { Secrets, TransportConfig } from '../config/types.js';
import type { Logger } from '../util/logger.js';
import { isControlFile, type Source, type SourcePart } from './source.js';
import { selectControlFile } from '../batch/control-file.js';

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
import { displayPath, naturalCompare, parseSftpAddress, remoteJoin, remoteUrl, type SftpAddress } from '../transport/sftp/address.js';
import { connectSftp, type SftpSession } from '../transport/sftp/connect.js';
import { SFTP_BACKOFF_MS, SftpCode, toSftpError } from '../transport/sftp/errors.js';
import { removeIfExists, renameOver } from '../transport/sftp/publish.js';
import { openRemoteFile, RemoteFileReader, type OpenedFile } from '../transport/sftp/remote-reader.js';
import { withRetries } from '../transport/retry.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/**
 * An SFTP input (`--in sftp://...` or `--in account:NAME...`): one remote file, every file of
 * a directory (path ending in `/`), or the files matching a glob in the last segment, read in
 * natural name order as one input over one connection. A read that loses its connection
 * resumes at the byte it had on a new connection (`--retries`), if the file is unchanged.
 * The address, credentials and options come checked by the configuration (src/config/endpoints.ts).
 */
export function createSftpSource(spec: string, cfg: TransportConfig, secrets: Secrets, log: Logger): Source {
  return new SftpSource(parseSftpAddress(spec, cfg.accounts, '--in'), cfg, secrets, log);
}

class SftpSource implements Source {
  readonly description: string;
  private readonly addr: SftpAddress;
  private readonly cfg: TransportConfig;
  private readonly secrets: Secrets;
  private readonly log: Logger;
  private session: SftpSession | undefined;
  private connecting: Promise<SftpSession> | undefined;
  private listed: string[] = [];
  /** The `.info` files beside the listed ones; after controlFiles(), the one chosen. */
  private control: string[] = [];
  private controlChosen = false;
  /** Sizes from the listing's attributes, for progress. */
  private readonly sizes = new Map<string, number>();
  private closed = false;

  constructor(addr: SftpAddress, cfg: TransportConfig, secrets: Secrets, log: Logger) {
    this.addr = addr;
    this.cfg = cfg;
    this.secrets = secrets;
    this.log = log;
    this.description = addr.display;
  }

  async parts(signal: AbortSignal): Promise<SourcePart[]> {
    const paths = await this.withRetries('list', signal, async (s) => this.list(s));
    this.listed = paths;
    this.log.info({ in: this.description, files: paths.length }, 'sftp input listed');
    return paths.map((path) => this.part(path));
  }

  /** The batch's .info beside the listed files, if one applies (src/batch/control-file.ts). */
  async controlFiles(): Promise<SourcePart[]> {
    const { dir, pattern, name } = this.addr;
    const chosen = name !== undefined && pattern === undefined ? undefined : selectControlFile(this.listed.map(baseName), this.control.map(baseName), pattern ? 'glob' : 'directory', this.description);
    this.control = chosen === undefined ? [] : [remoteJoin(dir, chosen)];
    this.controlChosen = true;
    return this.control.map((path) => this.part(path));
  }

  async afterSuccess(): Promise<void> {
    const { deleteAfter, moveAfter } = this.cfg;
    if (!deleteAfter && moveAfter === undefined) return;
    const moveDir = moveAfter === undefined ? undefined : this.resolveMoveDir(moveAfter);
    await this.withRetries('after-success', undefined, async (s) => {
      // The batch's .info (once chosen) goes with its data: left behind, it would list parts that are gone.
      for (const path of [...this.listed, ...this.chosenControl()]) {
        const name = path.slice(path.lastIndexOf('/') + 1);
        if (moveDir !== undefined) {
          const to = remoteJoin(moveDir, name);
          await renameOver(s, path, to);
          this.log.info({ in: this.description, from: displayPath(path), to: displayPath(to) }, 'sftp input moved');
        } else {
          await removeIfExists(s, path);
          this.log.info({ in: this.description, path: displayPath(path) }, 'sftp input deleted');
        }
      }
    });
  }

  private chosenControl(): string[] {
    return this.controlChosen ? this.control : [];
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    await s?.end();
    // A connect still in flight gets ended as soon as it lands.
    await this.connecting?.then((late) => late.end(), () => undefined);
  }

  private part(path: string): SourcePart {
    const shown = remoteUrl(this.addr, path);
    return {
      name: shown,
      size: () => this.sizes.get(path),
      open: async (signal: AbortSignal): Promise<Readable> => {
        const first = await this.withRetries('open', signal, (s) => openRemoteFile(s, path));
        const reader = new RemoteFileReader({
          path: shown,
          first,
          reopen: async (): Promise<OpenedFile> => openRemoteFile(await this.live(signal), path),
          retries: this.cfg.retries,
          log: this.log,
        });
        const onAbort = (): void => {
          reader.destroy(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        reader.once('close', () => signal.removeEventListener('abort', onAbort));
        reader.once('end', () => this.log.info({ in: shown, bytes: reader.bytesRead }, 'sftp input read'));
        return reader;
      },
    };
  }

  private async list(s: SftpSession): Promise<string[]> {
    const { dir, name, pattern } = this.addr;
    if (name !== undefined && pattern === undefined) {
      const path = remoteJoin(dir, name);
      const st = await s.call<Stats>('stat', displayPath(path), (cb) => s.sftp.stat(path, cb));
      if (st.isDirectory()) {
        throw new ConfigError(`--in: ${this.description} is a directory; end it with / to read every file in it`, '--in');
      }
      if (st.size !== undefined) this.sizes.set(path, st.size);
      return [path];
    }
    const entries = await s.call<FileEntryWithStats[]>('list', displayPath(dir), (cb) => s.sftp.readdir(dir, cb));
    // A bare directory skips hidden files and uploads in progress (`.part`, see the SFTP sink).
    const accept = pattern ?? { test: (n: string) => !n.startsWith('.') && !n.endsWith('.part') };
    const isFile = (e: FileEntryWithStats): boolean => [S_IFREG, S_IFLNK].includes((e.attrs.mode ?? 0) & S_IFMT);
    // A .info file is the batch's control file, never data; a glob's directory's count too (parts() picks one).
    this.control = entries.filter((e) => isFile(e) && isControlFile(e.filename) && !e.filename.startsWith('.')).map((e) => e.filename).sort(naturalCompare).map((n) => remoteJoin(dir, n));
    const files = entries.filter((e) => isFile(e) && !isControlFile(e.filename) && accept.test(e.filename));
    // A link's attributes are the link's own, not its target's size.
    for (const e of files) if (((e.attrs.mode ?? 0) & S_IFMT) === S_IFREG) this.sizes.set(remoteJoin(dir, e.filename), e.attrs.size);
    const names = files.map((e) => e.filename).sort(naturalCompare);
    if (names.length === 0) {
      throw new TransportError(
        SftpCode.NoMatch,
        `no file in ${displayPath(dir)} on ${s.where} matches ${name ?? '(any file)'}`,
        { retryable: false },
      );
    }
    return names.map((n) => remoteJoin(dir, n));
  }

  private resolveMoveDir(moveAfter: string): string {
    const trimmed = moveAfter.replace(/\/+$/, '') || '/';
    if (trimmed === '~') return '.';
    if (trimmed.startsWith('~/')) return trimmed.slice(2);
    if (trimmed.startsWith('/')) return trimmed;
    // A relative --move-after is taken from the input's directory (e.g. `done/`).
    return remoteJoin(this.addr.dir, trimmed);
  }

  /** The current connection, or a new one when it was lost. */
  private async live(signal: AbortSignal | undefined): Promise<SftpSession> {
    if (this.closed) throw new TransportError(SftpCode.Connection, `${this.description} is closed`, { retryable: false });
    if (this.session !== undefined && !this.session.lost.aborted) return this.session;
    if (this.session !== undefined) void this.session.end();
    this.session = undefined;
    this.connecting ??= connectSftp(this.addr, this.cfg, this.secrets, this.log, signal).finally(() => {
      this.connecting = undefined;
    });
    const s = await this.connecting;
    if (this.closed) {
      await s.end();
      throw new TransportError(SftpCode.Connection, `${this.description} is closed`, { retryable: false });
    }
    this.session = s;
    return s;
  }

  /** Runs `fn` on a live connection, again on a new one after a retryable failure. */
  private withRetries<T>(op: string, signal: AbortSignal | undefined, fn: (s: SftpSession) => Promise<T>): Promise<T> {
    return withRetries(async () => fn(await this.live(signal)), {
      retries: this.cfg.retries,
      baseMs: SFTP_BACKOFF_MS,
      signal,
      classify: (err) => {
        if (err instanceof ConfigError) throw err;
        return toSftpError(err, { where: this.description, op });
      },
      onRetry: (e, attempt, wait) => this.log.warn({ in: this.description, op, attempt, code: e.code, err: e.message, retryInMs: wait }, 'sftp input operation failed; retrying'),
    });
  }
}

import { TransportError } from '../../errors/errors.js';

/**
 * Stable codes of SFTP failures. Retrying cannot help the first group (the same credentials,
 * key or path give the same answer); everything else (resets, refused connections, stalls,
 * server-side failures) gets another attempt on a fresh connection.
 */
export const SftpCode = {
  HostKey: 'ERR_SFTP_HOST_KEY',
  Auth: 'ERR_SFTP_AUTH',
  NoSuchFile: 'ERR_SFTP_NO_SUCH_FILE',
  Permission: 'ERR_SFTP_PERMISSION',
  NoMatch: 'ERR_SFTP_NO_MATCH',
  HostNotFound: 'ERR_SFTP_HOST_NOT_FOUND',
  Unsupported: 'ERR_SFTP_UNSUPPORTED',
  Connection: 'ERR_SFTP_CONNECTION',
  Stalled: 'ERR_SFTP_STALLED',
  SizeMismatch: 'ERR_SFTP_SIZE_MISMATCH',
  Failure: 'ERR_SFTP_FAILURE',
} as const;

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02 §7). */
const FX = { NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, OP_UNSUPPORTED: 8 } as const;

interface RawError {
  message?: unknown;
  code?: unknown;
  level?: unknown;
}

export interface SftpErrorContext {
  /** `sftp://user@host:port`, never a secret. */
  readonly where: string;
  /** What was being done: `connect`, `open`, `write`, `rename`, ... */
  readonly op: string;
  /** Remote path shown in the message. */
  readonly path?: string;
}

/**
 * Turns anything ssh2 / ssh2-sftp-client throws into a TransportError. Branches on the
 * status code and ssh2's `level`, never on message text (it varies from run to run).
 */
/** The first retry of an SFTP operation waits 150-300 ms (src/transport/retry.ts doubles it from there). */
export const SFTP_BACKOFF_MS = 300;

export function toSftpError(err: unknown, ctx: SftpErrorContext): TransportError {
  if (err instanceof TransportError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as RawError;
  const detail = typeof e.message === 'string' ? e.message : String(err);
  const at = `${ctx.op}${ctx.path === undefined ? '' : ` ${ctx.path}`} on ${ctx.where}`;
  if (e.level === 'client-authentication') {
    return new TransportError(SftpCode.Auth, `SFTP authentication failed for ${ctx.where}: ${detail}`, { retryable: false, cause: err });
  }
  if (e.level === 'client-timeout') {
    return new TransportError(SftpCode.Stalled, `SFTP server stopped answering (${detail}) during ${at}`, { retryable: true, cause: err });
  }
  switch (e.code) {
    case FX.NO_SUCH_FILE:
    case 'ENOENT':
      return new TransportError(SftpCode.NoSuchFile, `no such file or directory: ${at}`, { retryable: false, cause: err });
    case FX.PERMISSION_DENIED:
    case 'EACCES':
      return new TransportError(SftpCode.Permission, `permission denied: ${at}`, { retryable: false, cause: err });
    case 'ENOTFOUND':
      // NXDOMAIN: a misspelt host stays misspelt (a transient DNS failure is EAI_AGAIN).
      return new TransportError(SftpCode.HostNotFound, `host not found: ${at}`, { retryable: false, cause: err });
    case FX.OP_UNSUPPORTED:
      return new TransportError(SftpCode.Unsupported, `operation not supported by the server: ${at}`, { retryable: false, cause: err });
    case FX.FAILURE:
      return new TransportError(SftpCode.Failure, `SFTP server failure during ${at}: ${detail}`, { retryable: true, cause: err });
    default:
      return new TransportError(SftpCode.Connection, `SFTP ${at} failed: ${detail}`, { retryable: true, cause: err });
  }
}

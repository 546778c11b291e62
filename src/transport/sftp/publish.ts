import { TransportError } from '../../errors/errors.js';
import type { SftpSession } from './connect.js';
import { SftpCode } from './errors.js';

interface SftpExtensions {
  _extensions?: Record<string, string>;
}

/** True when the server offers posix-rename@openssh.com (atomic rename over an existing file). */
export function hasPosixRename(session: SftpSession): boolean {
  return (session.sftp as unknown as SftpExtensions)._extensions?.['posix-rename@openssh.com'] === '1';
}

/** Removes a remote file; a file that is already gone is fine. */
export async function removeIfExists(session: SftpSession, path: string): Promise<void> {
  try {
    await session.call('remove', path, (cb) => session.sftp.unlink(path, cb));
  } catch (err) {
    if (err instanceof TransportError && err.code === SftpCode.NoSuchFile) return;
    throw err;
  }
}

/**
 * Renames `from` over `to`. posix-rename@openssh.com replaces atomically; a plain SFTP v3
 * rename fails when the target exists (SERVERS.md §0), so without the extension the target is
 * removed first: a short window with no file, never a partial one.
 */
export async function renameOver(session: SftpSession, from: string, to: string): Promise<void> {
  if (hasPosixRename(session)) {
    await session.call('rename', `${from} -> ${to}`, (cb) => session.sftp.ext_openssh_rename(from, to, cb));
    return;
  }
  await removeIfExists(session, to);
  await session.call('rename', `${from} -> ${to}`, (cb) => session.sftp.rename(from, to, cb));
}

/** Size of a remote file. */
async function remoteSize(session: SftpSession, path: string): Promise<number> {
  const st = await session.call<{ size?: number }>('stat', path, (cb) => session.sftp.stat(path, cb));
  return st.size ?? -1;
}

/**
 * Publishes an uploaded `.part`: its size must equal the bytes sent (a server that lost a
 * write shows up here, not in the reader's hands), then it is renamed over the final name.
 */
export async function publishPart(session: SftpSession, part: string, final: string, bytes: number): Promise<void> {
  await checkPartSize(session, part, bytes);
  await renameOver(session, part, final);
}

/** An uploaded `.part` holds every byte sent, or a retryable size mismatch is thrown. */
export async function checkPartSize(session: SftpSession, part: string, bytes: number): Promise<void> {
  const size = await remoteSize(session, part);
  if (size !== bytes) {
    throw new TransportError(
      SftpCode.SizeMismatch,
      `${part} on ${session.where} has ${size} bytes after the upload, ${bytes} were sent`,
      { retryable: true },
    );
  }
}

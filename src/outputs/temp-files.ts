/**
 * Temporary files of local outputs (`.part` files and locks). Every one a run creates is
 * tracked until it is published or removed, and removed synchronously when the process exits
 * however it exits (a failure, a signal, an uncaught error). SIGKILL leaves them behind: their
 * names carry the host name and the pid, so a later run writing into the same directory removes
 * those of this host whose process is gone.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** The host name as it appears in file names: no dots, so names parse from their end. */
export const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '_') || 'host';

const PART = new RegExp(`^\\..+\\.${HOST}\\.(\\d+)\\.[0-9a-f]{8}\\.part$`);

const live = new Set<string>();
let exitHookInstalled = false;

/** `.<name>.<host>.<pid>.<random>.part` beside `finalPath`: same directory, so the rename is atomic. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${HOST}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}

/** Removes `path` when the process exits, unless it is released first. */
export function track(path: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', removeTrackedSync);
  }
  live.add(path);
}

/** The file was published (renamed) or removed: nothing to clean up any more. */
export function untrack(path: string): void {
  live.delete(path);
}

/** Removes every tracked file now; for exits that skip the 'exit' event (a re-raised signal). */
export function removeTrackedSync(): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone, or never created: either way nothing is left.
    }
  }
  live.clear();
}

export async function removeTracked(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => {});
  live.delete(path);
}

/** True unless `pid` is certainly gone (EPERM means it runs under another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes the `.part` files this host's killed runs left in `dir`. */
export async function removeStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = PART.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await rm(join(dir, name), { force: true }).catch(() => {});
  }
}

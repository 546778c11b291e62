/**
 * One run at a time per output file: a lock file `.<name>.lock` beside the target, holding the
 * host and pid of the run that writes it. It is created whole and atomically (written under a
 * temporary name, then hard-linked into place, which fails if a lock exists), removed on every
 * exit path, and replaced by a later run when it belongs to a process of this host that is gone
 * (SIGKILL, power loss). A lock of another host cannot be checked and is always respected.
 */
import { link, lstat, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RunError } from '../errors/errors.js';
import { HOST, processAlive, removeTracked, tempPathFor, track, untrack } from './temp-files.js';

interface Holder {
  readonly host: string;
  readonly pid: number;
  readonly startedAt?: string;
}

export interface OutputLock {
  readonly path: string;
  release(): Promise<void>;
}

const lockPathFor = (target: string): string => join(dirname(target), `.${basename(target)}.lock`);

export async function acquireOutputLock(target: string, option: string): Promise<OutputLock> {
  const path = lockPathFor(target);
  const mine = tempPathFor(path);
  track(mine);
  try {
    await writeFile(mine, JSON.stringify({ host: HOST, pid: process.pid, startedAt: new Date().toISOString() }) + '\n', { flag: 'wx' });
    const ino = (await lstat(mine)).ino;
    for (let attempt = 0; ; attempt++) {
      try {
        await link(mine, path);
        track(path);
        return { path, release: () => release(path, ino) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new RunError('ERR_OUTPUT_LOCK', `--${option}: cannot create the lock file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
        }
      }
      const text = await readFile(path, 'utf8').catch(() => undefined);
      // Gone between link() and readFile(): its run just ended; try again.
      if (text === undefined && attempt < 3) continue;
      const holder = parseHolder(text);
      if (holder && holder.host === HOST && !processAlive(holder.pid) && attempt < 3) {
        // Removed only if it still holds what was read: a run that took it over meanwhile keeps it.
        if ((await readFile(path, 'utf8').catch(() => undefined)) === text) await unlink(path).catch(() => {});
        continue;
      }
      const who = holder ? `host ${holder.host}, pid ${holder.pid}${holder.startedAt ? `, since ${holder.startedAt}` : ''}` : 'a run whose lock cannot be read';
      throw new RunError('ERR_OUTPUT_LOCKED', `--${option}: ${target} is being written by another run (${who}); lock file ${path}`);
    }
  } finally {
    await removeTracked(mine);
  }
}

async function release(path: string, ino: number): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.ino === ino) await unlink(path).catch(() => {});
  untrack(path);
}

function parseHolder(text: string | undefined): Holder | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    return typeof v.host === 'string' && Number.isInteger(v.pid) ? (v as Holder) : undefined;
  } catch {
    return undefined;
  }
}

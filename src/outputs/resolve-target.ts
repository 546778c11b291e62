/**
 * What a local output path names, found before anything is written: a regular file (new or
 * existing; written under a temporary name and renamed), something to write into directly (a
 * FIFO, a character device, an open descriptor as `/dev/stdout` or `/dev/fd/N`), or a directory
 * (the output takes a file name in it). Symbolic links are followed, so publishing replaces the
 * link's target and never the link itself.
 */
import { constants } from 'node:fs';
import { access, lstat, readlink, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors/errors.js';

export type Target =
  /** A regular file: temp + rename in `path`'s directory. */
  | { readonly kind: 'file'; readonly path: string; readonly exists: boolean }
  /** A FIFO, character device or socket: opened and written as it is. */
  | { readonly kind: 'direct'; readonly path: string }
  /** An open descriptor of this process (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`). */
  | { readonly kind: 'fd'; readonly path: string; readonly fd: number }
  /** A directory, when no file name is known yet (a remote input names the file later). */
  | { readonly kind: 'dir'; readonly path: string };

export interface ResolveOptions {
  /** `--name`: the file name when the path is a directory. */
  readonly name?: string;
  /** The input's file name, used in a directory when `--name` is not given. */
  readonly inputName?: string;
  /** Only `--out` may name a directory. */
  readonly allowDirectory?: boolean;
}

const FD_PATH = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/;
const MAX_LINKS = 40;

const fail = (option: string, message: string, cause?: unknown): ConfigError =>
  new ConfigError(`--${option}: ${message}`, option, cause, 'ERR_TARGET');

export async function resolveTarget(spec: string, option: string, options: ResolveOptions = {}): Promise<Target> {
  let path = resolve(spec);
  let mustBeDirectory = /\/$/.test(spec);
  let name = options.name ?? options.inputName;
  for (let hop = 0; hop < MAX_LINKS; hop++) {
    const fd = FD_PATH.exec(path);
    if (fd) return descriptor(path, Number(fd[1]), option);
    let st;
    try {
      st = await lstat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw fail(option, `cannot use ${spec}: ${errnoText(err)}`, err);
      if (mustBeDirectory) throw fail(option, `directory ${path} does not exist`);
      await checkDirectory(dirname(path), option);
      return { kind: 'file', path, exists: false };
    }
    if (st.isSymbolicLink()) {
      path = resolve(dirname(path), await readlink(path));
      continue;
    }
    if (st.isDirectory()) {
      if (!options.allowDirectory) throw fail(option, `${path} is a directory: give a file path`);
      await checkDirectory(path, option);
      if (name === undefined) return { kind: 'dir', path };
      path = join(path, plainName(name, option));
      name = undefined;
      mustBeDirectory = false;
      continue;
    }
    if (mustBeDirectory) throw fail(option, `${spec} ends in / but ${path} is not a directory`);
    if (st.isFile()) {
      await checkDirectory(dirname(path), option);
      return { kind: 'file', path, exists: true };
    }
    await checkWritable(path, option);
    return { kind: 'direct', path };
  }
  throw fail(option, `${spec}: too many levels of symbolic links`);
}

async function descriptor(path: string, fd: number, option: string): Promise<Target> {
  try {
    await stat(path);
  } catch (err) {
    throw fail(option, `${path}: descriptor ${fd} is not open (${errnoText(err)})`, err);
  }
  return { kind: 'fd', path: `/proc/self/fd/${fd}`, fd };
}

async function checkDirectory(dir: string, option: string): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw fail(option, `directory ${dir} does not exist`, err);
    throw fail(option, `cannot use directory ${dir}: ${errnoText(err)}`, err);
  }
  if (!st.isDirectory()) throw fail(option, `${dir} is not a directory`);
  await checkWritable(dir, option);
}

async function checkWritable(path: string, option: string): Promise<void> {
  try {
    await access(path, constants.W_OK);
  } catch (err) {
    throw fail(option, `${path} is not writable: ${errnoText(err)}`, err);
  }
}

function plainName(name: string, option: string): string {
  if (name === '' || name === '.' || name === '..' || basename(name) !== name) {
    throw new ConfigError(`--name: "${name}" is not a plain file name (needed because --${option} is a directory)`, 'name', undefined, 'ERR_TARGET');
  }
  return name;
}

/** `ENOSPC: no space left on device` from an errno error; its message ends in the syscall. */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (!e?.code) return String(e?.message ?? err);
  const text = /^[A-Z0-9]+: ([^,]+)/.exec(e.message ?? '');
  return text ? `${e.code}: ${text[1]}` : e.code;
}

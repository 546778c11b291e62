/**
 * The checks of a run's local file options made before the first input byte is read (also what
 * `--dry-run` calls): every output path names something writable in a directory that exists,
 * a directory output has a file name, and no two file options name the same file (an output
 * written over the input, or two outputs over each other, would lose data).
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ProcessConfig } from '../config/types.js';
import { ConfigError } from '../errors/errors.js';
import { isHttpSpec } from '../transport/http/url.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import { resolveTarget, type Target } from './resolve-target.js';
import { listLocal } from '../sources/local-source.js';

const isRemote = (spec: string): boolean => isSftpSpec(spec) || isHttpSpec(spec);

/** The local outputs of a run; a new output option is one line here. */
const OUTPUT_OPTIONS: ReadonlyArray<readonly [option: string, path: (c: ProcessConfig) => string | undefined]> = [
  ['out', (c) => c.out],
  ['rejects', (c) => c.rejects],
  ['report', (c) => c.report],
  ['duplicates', (c) => c.guardrails.duplicates],
];

export interface CheckedTarget {
  readonly option: string;
  /** `stdout` for `--out -`. */
  readonly target: Target | 'stdout';
}

/** Throws a ConfigError (exit 2) naming the option for the first problem found. */
export async function checkTargets(config: ProcessConfig): Promise<CheckedTarget[]> {
  const localInput = config.in !== '-' && !isRemote(config.in);
  // AAM inbound and AEP-style names are the run's own (src/outputs/naming.ts): a directory --out
  // takes no name from the input, so it is not the input file even when the input lies in it.
  const ownNames = config.transport.name === undefined && (config.to === 'aam-inbound' || config.files.destination !== undefined);
  const checked: CheckedTarget[] = [];
  for (const [option, pathOf] of OUTPUT_OPTIONS) {
    const spec = pathOf(config);
    if (spec === undefined || isRemote(spec)) continue;
    if (option === 'out' && spec === '-') {
      checked.push({ option, target: 'stdout' });
      continue;
    }
    const target = await resolveTarget(spec, option, {
      allowDirectory: option === 'out',
      name: option === 'out' ? config.transport.name : undefined,
      inputName: option === 'out' && localInput && !ownNames ? basename(config.in) : undefined,
    });
    if (target.kind === 'dir' && config.in === '-' && !(option === 'out' && ownNames)) {
      throw new ConfigError(`--${option}: ${target.path} is a directory and stdin has no file name: give --name <file name>`, 'name', undefined, 'ERR_TARGET');
    }
    checked.push({ option, target });
  }
  await refuseSameFile(config, checked, localInput);
  return checked;
}

async function refuseSameFile(config: ProcessConfig, checked: CheckedTarget[], localInput: boolean): Promise<void> {
  const seen = new Map<string, string>();
  const claim = (option: string, identity: string | undefined, shown: string): void => {
    if (identity === undefined) return;
    const other = seen.get(identity);
    if (other !== undefined) {
      throw new ConfigError(`--${option} and --${other} are the same file (${shown}): give each its own path`, option, undefined, 'ERR_SAME_FILE');
    }
    seen.set(identity, option);
  };
  if (config.in === '-') claim('in', await identityOf('/proc/self/fd/0'), 'stdin');
  else if (localInput) {
    // Each file of a directory or glob input: an output over one of them would replace it.
    for (const path of await localInputFiles(config.in)) {
      const identity = await identityOf(path);
      if (identity === undefined || seen.get(identity) !== 'in') claim('in', identity, path);
    }
  }
  for (const { option, target } of checked) {
    if (target === 'stdout') claim(option, await identityOf('/proc/self/fd/1'), 'stdout');
    else if (target.kind === 'file' && !target.exists) claim(option, `new:${await realpath(dirname(target.path))}/${basename(target.path)}`, target.path);
    else if (target.kind !== 'dir') claim(option, await identityOf(target.path), target.path);
  }
}

/** The files a local `--in` names; a listing that fails is the run's to report, with its code. */
async function localInputFiles(spec: string): Promise<string[]> {
  const listed = await listLocal(spec).catch(() => undefined);
  return listed === undefined ? [spec] : [...listed.data, ...listed.control];
}

/**
 * Device and inode of what `path` opens; none for character devices (/dev/null or a terminal
 * may well take two outputs) or for what cannot be looked at.
 */
async function identityOf(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.isCharacterDevice()) return undefined;
  return `${st.dev}:${st.ino}`;
}

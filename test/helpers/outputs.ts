/** Helpers of the output tests: a CLI run to watch and signal, and bounded waits for a state. */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from './cli.js';

/** The host name as the CLI writes it into temporary file names. */
export const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '_') || 'host';

export interface Watched {
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>;
}

/** Spawns the built CLI; stdin stays open until the test ends it. */
export function watchCli(args: string[], stdio: StdioOptions = ['pipe', 'pipe', 'pipe']): Watched {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio });
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin?.on('error', () => {});
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }));
  });
  return { child, exit };
}

/** Polls `check` every 20 ms until it holds; fails after `ms`, saying what it waited for. */
export async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Names in `dir` starting with a dot: the temporary and lock files of outputs. */
export const hiddenFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('.')).sort();

/** True once a `.part` file for `name` exists in `dir` and has at least `bytes` bytes. */
export function partGrown(dir: string, name: string, bytes: number): boolean {
  return readdirSync(dir).some((n) => n.startsWith(`.${name}.`) && n.endsWith('.part') && (statSync(join(dir, n), { throwIfNoEntry: false })?.size ?? 0) >= bytes);
}

/** The run's end, or a SIGKILL after `ms` so that a run that does not end never holds a test. */
export async function exitWithin(run: Watched, ms = 20_000): Watched['exit'] {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
  try {
    return await run.exit;
  } finally {
    clearTimeout(timer);
    run.child.stdin?.destroy();
  }
}

/** The size of the `.part` file for `name` in `dir`, 0 while there is none. */
export function partSize(dir: string, name: string): number {
  const part = readdirSync(dir).find((n) => n.startsWith(`.${name}.`) && n.endsWith('.part'));
  return part === undefined ? 0 : (statSync(join(dir, part), { throwIfNoEntry: false })?.size ?? 0);
}

/** Waits until the `.part` file has bytes and has not grown for `quietMs`: the run waits for input. */
export async function waitForIdle(dir: string, name: string, quietMs = 300): Promise<void> {
  let size = -1;
  let since = Date.now();
  await waitFor(`the output of ${name} to stop growing`, () => {
    const now = partSize(dir, name);
    if (now !== size) {
      size = now;
      since = Date.now();
    }
    return size > 0 && Date.now() - since >= quietMs;
  });
}

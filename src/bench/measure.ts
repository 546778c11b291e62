/**
 * Wall time and peak memory of one child process. Peak RSS comes from GNU time (`%M`, the
 * kernel's maxrss of the child, exact) where `/usr/bin/time` is GNU time; otherwise from polling
 * `/proc/<pid>/status` VmHWM every 20 ms (the kernel's own high-water mark, so a short spike
 * between polls is still counted, but the last 20 ms before exit are not); otherwise none.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type MemoryMethod = 'gnu-time' | 'proc-poll' | 'none';

export const MEMORY_METHOD_TEXT: Record<MemoryMethod, string> = {
  'gnu-time': 'peak RSS from /usr/bin/time (GNU time %M: the child\'s maxrss)',
  'proc-poll': 'peak RSS from /proc/<pid>/status VmHWM polled every 20 ms (GNU time not found)',
  none: 'peak RSS not measured (neither GNU time nor /proc on this system)',
};

export interface ChildRun {
  readonly wallMs: number;
  /** Undefined when the method is `none` or the child exited before a poll. */
  readonly peakRssBytes: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last few KiB of the child's stderr, for error messages. */
  readonly stderrTail: string;
}

const TIME = '/usr/bin/time';
const POLL_MS = 20;
const STDERR_TAIL = 8192;

let detected: MemoryMethod | undefined;

/** Picks the best method available here (cached). */
export function detectMemoryMethod(): MemoryMethod {
  if (detected) return detected;
  detected = 'none';
  if (existsSync(TIME)) {
    const dir = mkdtempSync(join(tmpdir(), 'ap-time-'));
    try {
      const out = join(dir, 'm');
      const r = spawnSync(TIME, ['-f', '%M', '-o', out, process.execPath, '-e', '0'], { stdio: 'ignore' });
      if (r.status === 0 && /^\d+\s*$/m.test(readFileSync(out, 'utf8'))) detected = 'gnu-time';
    } catch {
      // Not GNU time (BSD time has no -f/-o): fall through.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (detected === 'none' && existsSync(`/proc/${process.pid}/status`)) detected = 'proc-poll';
  return detected;
}

/** Runs `argv` (argv[0] is the program) with stdout discarded; resolves when it has exited. */
export async function measureChild(argv: readonly string[], options: { method?: MemoryMethod; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ChildRun> {
  const method = options.method ?? detectMemoryMethod();
  let timeDir: string | undefined;
  let command = argv[0];
  let args = argv.slice(1);
  if (method === 'gnu-time') {
    timeDir = mkdtempSync(join(tmpdir(), 'ap-time-'));
    args = ['-f', '%M', '-o', join(timeDir, 'm'), ...argv];
    command = TIME;
  }
  try {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_TAIL);
    });
    let polledKb = 0;
    let timer: NodeJS.Timeout | undefined;
    if (method === 'proc-poll' && child.pid !== undefined) {
      const statusFile = `/proc/${child.pid}/status`;
      const poll = (): void => {
        readFile(statusFile, 'utf8').then(
          (text) => {
            const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(text);
            if (m) polledKb = Math.max(polledKb, Number(m[1]));
          },
          () => {},
        );
      };
      poll();
      timer = setInterval(poll, POLL_MS);
    }
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve({ code: c, signal: s }));
    });
    const wallMs = performance.now() - started;
    if (timer) clearInterval(timer);
    let peakKb: number | undefined;
    if (method === 'gnu-time') {
      // GNU time writes its line after the program's own exit status message, if any.
      const text = readFileSync(join(timeDir!, 'm'), 'utf8');
      const lines = text.trim().split('\n');
      const last = Number(lines[lines.length - 1]);
      peakKb = Number.isFinite(last) ? last : undefined;
    } else if (method === 'proc-poll') {
      peakKb = polledKb > 0 ? polledKb : undefined;
    }
    return { wallMs, peakRssBytes: peakKb === undefined ? undefined : peakKb * 1024, exitCode: code, signal, stderrTail: stderr };
  } finally {
    if (timeDir) rmSync(timeDir, { recursive: true, force: true });
  }
}

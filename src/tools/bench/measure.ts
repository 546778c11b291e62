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
  'gnu-time': 'peak RSS and CPU time from /usr/bin/time (GNU time %M %U %S: the child\'s maxrss and rusage)',
  'proc-poll': 'peak RSS from /proc/<pid>/status VmHWM polled every 20 ms (GNU time not found)',
  none: 'peak RSS not measured (neither GNU time nor /proc on this system)',
};

export interface ChildRun {
  readonly wallMs: number;
  /** Undefined when the method is `none` or the child exited before a poll. */
  readonly peakRssBytes: number | undefined;
  /** User + system CPU time of the child, all threads (GNU time only): steadier than wall time on a busy machine. */
  readonly cpuMs: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last few KiB of the child's stderr, for error messages. */
  readonly stderrTail: string;
}

const TIME = '/usr/bin/time';
/** Peak RSS in KiB, user and system CPU seconds. */
const TIME_FORMAT = '%M %U %S';
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
      const r = spawnSync(TIME, ['-f', TIME_FORMAT, '-o', out, process.execPath, '-e', '0'], { stdio: 'ignore' });
      if (r.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(readFileSync(out, 'utf8'))) detected = 'gnu-time';
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
    args = ['-f', TIME_FORMAT, '-o', join(timeDir, 'm'), ...argv];
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
    let cpuMs: number | undefined;
    if (method === 'gnu-time') {
      // GNU time writes its line after a "Command exited with non-zero status" line, if any.
      const lines = readFileSync(join(timeDir!, 'm'), 'utf8').trim().split('\n');
      const [maxKb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
      peakKb = Number.isFinite(maxKb) ? maxKb : undefined;
      cpuMs = Number.isFinite(user) && Number.isFinite(sys) ? Math.round((user + sys) * 1000) : undefined;
    } else if (method === 'proc-poll') {
      peakKb = polledKb > 0 ? polledKb : undefined;
    }
    return { wallMs, peakRssBytes: peakKb === undefined ? undefined : peakKb * 1024, cpuMs, exitCode: code, signal, stderrTail: stderr };
  } finally {
    if (timeDir) rmSync(timeDir, { recursive: true, force: true });
  }
}

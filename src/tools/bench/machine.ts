/** The facts a benchmark figure means nothing without: cores, CPU model, memory, Node, load. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineFacts {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the run started: other work on the machine skews figures. */
  readonly loadAtStart: number;
}

export function machineFacts(): MachineFacts {
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()} ${process.arch}`,
    loadAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // Not Linux: os.cpus() below.
  }
  return cpus()[0]?.model?.trim() || 'unknown';
}

export function describeMachine(m: MachineFacts): string {
  return `${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, load ${m.loadAtStart} at start`;
}

/**
 * The source the figures belong to: `git describe --always --dirty` of the checkout holding this
 * build, or $BENCH_COMMIT (for a copy without .git); undefined when neither is known.
 */
export function sourceRevision(): string | undefined {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  const r = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

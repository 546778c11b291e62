/**
 * Progress while a person watches (stderr is a terminal): percent and ETA when the input's size
 * is known, records, rows/s, MB/s and rejects so far, redrawn in place. A timer draws it, never
 * the chunk loop: the hot path only bumps the counters it already keeps.
 */
import type { RunAccounting } from '../report/run-report.js';

/** Where the line goes: a status line redrawn in place (src/cli/terminal.ts). */
export interface ProgressDisplay {
  show(text: string): void;
  clear(): void;
}

export interface ProgressFacts {
  readonly elapsedMs: number;
  readonly recordsIn: number;
  readonly recordsRejected: number;
  /** Raw input bytes read so far (compressed bytes for a gzip input). */
  readonly bytesIn: number;
  /** The raw input's size, when its source knows it. */
  readonly totalBytes: number | undefined;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return `${Math.round(n)}`;
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The progress line for these facts. */
export function progressText(f: ProgressFacts): string {
  const seconds = Math.max(f.elapsedMs, 1) / 1000;
  const bytesPerS = f.bytesIn / seconds;
  const parts: string[] = [];
  if (f.totalBytes !== undefined && f.totalBytes > 0) {
    const share = Math.min(1, f.bytesIn / f.totalBytes);
    parts.push(`${Math.floor(share * 100)}%`.padStart(4));
  }
  parts.push(`${count(f.recordsIn)} records`, `${rate(f.recordsIn / seconds)} rows/s`, `${(bytesPerS / 1e6).toFixed(1)} MB/s`, `${count(f.recordsRejected)} rejected`);
  if (f.totalBytes !== undefined && f.totalBytes > 0 && bytesPerS > 0) {
    parts.push(`ETA ${duration(Math.max(0, f.totalBytes - f.bytesIn) / bytesPerS)}`);
  }
  return parts.join('  ');
}

export class ProgressMeter {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly accounting: RunAccounting,
    private readonly display: ProgressDisplay,
    private readonly totalBytes: () => number | undefined,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.display.show(this.text()), this.everyMs);
    this.timer.unref();
  }

  text(): string {
    const a = this.accounting;
    return progressText({
      elapsedMs: performance.now() - this.started,
      recordsIn: a.recordsIn,
      recordsRejected: a.recordsRejected,
      bytesIn: a.bytesIn,
      totalBytes: this.totalBytes(),
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.display.clear();
  }
}

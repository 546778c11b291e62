/** Progress on stderr (records, MB/s), only while stderr is a terminal: a human is watching. */
import type { RunAccounting } from '../report/run-report.js';

export class ProgressMeter {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  constructor(private readonly accounting: RunAccounting) {}

  start(): void {
    this.timer = setInterval(() => this.render(), 500);
    this.timer.unref();
  }

  private render(): void {
    const s = (performance.now() - this.started) / 1000;
    const a = this.accounting;
    const mbs = a.bytesIn / 1e6 / s;
    process.stderr.write(`\r${a.recordsIn.toLocaleString('en-US')} records, ${mbs.toFixed(1)} MB/s, ${a.recordsRejected.toLocaleString('en-US')} rejected   `);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    process.stderr.write('\n');
  }
}

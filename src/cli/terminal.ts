/**
 * stderr as a person sees it: one status line redrawn in place (the progress), and whole lines
 * (logs, the summary) printed above it without tearing it. Off a terminal nothing here draws:
 * lines are written as they are and there is no status line.
 */
import { writeSync } from 'node:fs';
import type { ProgressDisplay } from '../pipeline/progress.js';

export class Terminal implements ProgressDisplay {
  private shown = '';

  constructor(
    readonly isTTY: boolean = process.stderr.isTTY === true,
    private readonly fd = 2,
    private readonly columns = (): number => process.stderr.columns || 80,
  ) {}

  /** Replaces the status line; cut to the terminal's width, as a wrapped line cannot be redrawn. */
  show(text: string): void {
    if (!this.isTTY) return;
    const line = text.length >= this.columns() ? text.slice(0, this.columns() - 1) : text;
    this.write(`\r${line}\x1b[K`);
    this.shown = line;
  }

  clear(): void {
    if (this.shown === '') return;
    this.write('\r\x1b[K');
    this.shown = '';
  }

  /** Writes whole lines above the status line, which is then drawn again. */
  print(text: string): void {
    const status = this.shown;
    this.clear();
    this.write(text.endsWith('\n') ? text : `${text}\n`);
    if (status !== '') this.show(status);
  }

  private write(text: string): void {
    let rest = Buffer.from(text);
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.fd, rest));
      } catch (err) {
        // A non-blocking terminal that is full takes the rest a moment later; any other error
        // means stderr is gone (a closed terminal): nothing left to tell.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  }
}

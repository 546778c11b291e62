/**
 * CSV framing by quote parity: outside a quoted field an even number of (unescaped) quotes has
 * been seen, so a line feed at even parity ends a record. Quotes are found with
 * `Buffer.indexOf` (memchr speed), not a byte loop: the main thread's share of the work bounds
 * what every added worker can give, so it must stay small.
 */
import type { Dialect } from '../transforms/csv-scan.js';
import { LF } from '../transforms/csv-scan.js';
import type { RecordFraming } from './framing.js';

export class CsvFraming implements RecordFraming {
  private readonly quote: number;
  private readonly escape: number;
  private quotes = new Int32Array(1024);

  constructor(dialect: Dialect) {
    this.quote = dialect.quote;
    this.escape = dialect.escape;
  }

  lastBoundary(buf: Buffer, len: number): number {
    const quotes = this.findQuotes(buf, len);
    let k = quotes;
    let segEnd = len;
    if (k % 2 === 1) {
      segEnd = this.quotes[k - 1];
      k -= 1;
    }
    // Even-parity segments, from the last: (quotes[k-1], segEnd), then (quotes[k-3], quotes[k-2]), ...
    for (;;) {
      const segStart = k > 0 ? this.quotes[k - 1] + 1 : 0;
      if (segEnd > segStart) {
        const j = buf.lastIndexOf(LF, segEnd - 1);
        if (j >= segStart) return j + 1;
      }
      if (k < 2) return -1;
      segEnd = this.quotes[k - 2];
      k -= 2;
    }
  }

  firstBoundary(buf: Buffer, len: number): number {
    const Q = this.quote;
    let inQuotes = false;
    let pos = 0;
    while (pos < len) {
      if (inQuotes) {
        const q = this.nextClosingQuote(buf, pos, len);
        if (q < 0) return -1;
        inQuotes = false;
        pos = q + 1;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      const q = buf.indexOf(Q, pos);
      if (lf < 0 || lf >= len) return -1;
      if (q < 0 || q > lf) return lf + 1;
      inQuotes = true;
      pos = q + 1;
    }
    return -1;
  }

  /** Records the positions of the quotes that toggle the quoted state; returns their count. */
  private findQuotes(buf: Buffer, len: number): number {
    const Q = this.quote;
    let n = 0;
    let i = buf.indexOf(Q, 0);
    while (i !== -1 && i < len) {
      if (n % 2 === 1 && this.escape !== Q && this.isEscaped(buf, i, this.quotes[n - 1])) {
        i = buf.indexOf(Q, i + 1);
        continue;
      }
      if (n === this.quotes.length) {
        const grown = new Int32Array(n * 2);
        grown.set(this.quotes);
        this.quotes = grown;
      }
      this.quotes[n++] = i;
      i = buf.indexOf(Q, i + 1);
    }
    return n;
  }

  /** Inside quotes, a quote after an odd run of escape bytes is data (AEP's `\"`). */
  private isEscaped(buf: Buffer, at: number, openedAt: number): boolean {
    let run = 0;
    for (let j = at - 1; j > openedAt && buf[j] === this.escape; j--) run++;
    return run % 2 === 1;
  }

  private nextClosingQuote(buf: Buffer, from: number, len: number): number {
    let i = buf.indexOf(this.quote, from);
    while (i !== -1 && i < len) {
      if (this.escape === this.quote || !this.isEscaped(buf, i, from - 1)) return i;
      i = buf.indexOf(this.quote, i + 1);
    }
    return -1;
  }
}

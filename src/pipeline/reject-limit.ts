/**
 * `--max-rejects`: a run where most records are rejected is a failed run (a wrong `--decrypt`
 * key rejects nearly every record and used to end `status: ok`). The limit is checked once the
 * first CHECKPOINT records are in, so a share means something, and again at the end; rejected
 * means the reject file's rows (counted whether or not `--rejects` keeps them).
 */
import { RunError } from '../errors/errors.js';
import type { MaxRejects } from '../config/types.js';
import type { RunAccounting } from '../report/run-report.js';

export const CHECKPOINT = 10_000;

/** What the run has handed to a sink that cannot take bytes back (stdout, a FIFO). */
export interface Delivered {
  readonly records: number;
  readonly bytes: number;
  readonly output: string;
}

export class RejectLimit {
  private checkedAtCheckpoint = false;

  constructor(private readonly limit: MaxRejects) {}

  /**
   * After each chunk: checks once, when the first CHECKPOINT records are in. `delivered` is asked
   * only when the limit is passed; it may wait until the sink has written what it was handed, so
   * that the figures it gives are what the reader got.
   */
  async afterRecords(accounting: RunAccounting, delivered: () => Promise<Delivered | undefined>): Promise<void> {
    if (this.checkedAtCheckpoint || accounting.recordsIn < CHECKPOINT) return;
    this.checkedAtCheckpoint = true;
    await this.check(accounting, delivered);
  }

  async atEnd(accounting: RunAccounting, delivered: () => Promise<Delivered | undefined>): Promise<void> {
    await this.check(accounting, delivered);
  }

  private async check(accounting: RunAccounting, delivered: () => Promise<Delivered | undefined>): Promise<void> {
    const limit = this.limit;
    if (limit === undefined) return;
    const rejected = accounting.recordsRejected;
    const allowed = 'count' in limit ? limit.count : (limit.percent / 100) * accounting.recordsIn;
    if (rejected <= allowed) return;
    throw new RunError('ERR_TOO_MANY_REJECTS', describe(accounting, limit, await delivered()));
  }
}

function describe(accounting: RunAccounting, limit: NonNullable<MaxRejects>, delivered: Delivered | undefined): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const rejected = accounting.recordsRejected;
  const share = ((100 * rejected) / Math.max(1, accounting.recordsIn)).toFixed(1);
  const [topReason, topCount] = Object.entries(accounting.rejectReasons).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
  const limitText = 'count' in limit ? n(limit.count) : `${limit.percent}%`;
  let message =
    `${n(rejected)} of ${n(accounting.recordsIn)} records rejected (${share}%), over --max-rejects ${limitText}; ` +
    `top reason ${topReason} (${n(topCount)})`;
  if (topReason === 'bad_ciphertext') message += ': the AES key or IV is probably wrong (--aes-key-file or AUDIENCE_PIPE_AES_KEY, --aes-iv, --cipher-encoding)';
  message += delivered === undefined
    ? '; nothing was published'
    : `; ${n(delivered.records)} records (${n(delivered.bytes)} bytes) had already been written to ${delivered.output}`;
  return `${message} (--max-rejects none accepts any number)`;
}

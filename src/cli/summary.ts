/** The end of a run as a person reads it on a terminal, instead of the NDJSON summary line. */
import type { RunReport } from '../report/run-report.js';
import { duration } from '../pipeline/progress.js';
import { hintFor } from './hints.js';

const n = (v: number): string => v.toLocaleString('en-US');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export interface Destinations {
  readonly rejects?: string;
  readonly report?: string;
  readonly duplicates?: string;
}

function counts(r: RunReport): string {
  const reasons = Object.entries(r.rejectReasons)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, k]) => `${n(k)} ${reason}`);
  const rejected = `${n(r.recordsRejected)} rejected${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`;
  const blank = r.blankLines > 0 ? `; ${n(r.blankLines)} blank line${r.blankLines === 1 ? '' : 's'} skipped` : '';
  const deduplicated = r.recordsDeduplicated > 0 ? `, ${n(r.recordsDeduplicated)} deduplicated` : '';
  return `${n(r.recordsIn)} records in, ${n(r.recordsOut)} out, ${rejected}${deduplicated}${blank}`;
}

export function humanSummary(r: RunReport, to: Destinations): string {
  const seconds = r.durationMs / 1000;
  const speed = seconds > 0 ? `${n(Math.round(r.recordsIn / seconds))} rows/s, ${mb(r.bytesIn / seconds)}/s` : '';
  const lines: string[] = [];
  if (r.status === 'failed') {
    lines.push(`error: ${r.error?.message ?? 'the run failed'} (${r.error?.code ?? 'ERR_RUN'})`, `hint: ${hintFor(r.error?.code)}`);
    lines.push(`  stopped after ${duration(seconds)}: ${counts(r)}`);
  } else {
    const how = r.status === 'cut-short' ? 'cut short (the reader of the output went away)' : 'done';
    lines.push(`${how} in ${seconds < 10 ? `${seconds.toFixed(2)}s` : duration(seconds)}: ${counts(r)}`);
    lines.push(`  ${speed}${speed ? ', ' : ''}${mb(r.bytesIn)} in, ${mb(r.bytesOut)} out, ${r.workers} worker${r.workers === 1 ? '' : 's'}`);
  }
  const width = 9;
  const files = r.files && r.status !== 'failed' && r.output !== '-' ? ` (${n(r.files.length)} file${r.files.length === 1 ? '' : 's'}${r.partitions ? `, ${n(Object.keys(r.partitions).length)} partitions` : ''})` : '';
  lines.push(`  ${'output'.padEnd(width)}${r.output === '-' ? 'stdout' : r.output}${files}`);
  if (to.duplicates !== undefined) lines.push(`  ${'dupes'.padEnd(width)}${to.duplicates}`);
  if (to.rejects !== undefined) lines.push(`  ${'rejects'.padEnd(width)}${to.rejects}`);
  if (to.report !== undefined) lines.push(`  ${'report'.padEnd(width)}${to.report}`);
  return lines.join('\n');
}

/**
 * Seeded synthetic audience CSV for demos, tests and benchmarks (`audience-pipe generate`).
 *
 * Output: header `crm_id,email,phone,first_name,country,segment`, LF line ends, RFC 4180 quoting
 * (only values holding `,` `"` CR or LF are quoted, quotes doubled). The rows carry the dirt real
 * CRM exports carry, in the shares documented by AUDIENCE_MIX. The bytes depend only on
 * (rows, seed): same arguments, same bytes, same chunk boundaries, on every platform.
 *
 * Speed: rows are built as strings in batches of BATCH_ROWS and each batch is encoded straight into
 * the chunk's buffer, no per-field Buffers. Every random draw comes from one sfc32 stream
 * (./prng.ts), in the order row.ts makes them: the files below may be rearranged freely, the order
 * of the draws may not (test/generate-pinned.test.ts holds the bytes).
 *
 * Files: mix.ts (the shares), draw.ts (digits, hex, weighted picks), names.ts, email.ts, phone.ts
 * (one column each), row.ts (one row), this file (options, chunks, stream).
 */
import { Readable } from 'node:stream';
import { ConfigError } from '../../errors/errors.js';
import { aamOutboundRow } from './aam-outbound.js';
import { Prng } from './prng.js';
import { row } from './row.js';
import { csvSegments } from './segments.js';

export { AUDIENCE_MIX } from './mix.js';

export interface GenerateOptions {
  rows: number;
  /** Default 1. Any safe integer. */
  seed?: number;
  /**
   * 'csv' (default): the audience above. 'aam-outbound': AAM's outbound rows, `<AAM UUID>
   * <segments> <removed segments>` separated by whitespace, no header (./aam-outbound.ts).
   */
  format?: GenerateFormat;
  /**
   * CSV only: a last column `segments`, comma-separated segment IDs (quoted). Drawn from a stream
   * of its own, so the other columns are the same bytes as without it.
   */
  segments?: boolean;
}

export type GenerateFormat = 'csv' | 'aam-outbound';
export const GENERATE_FORMATS: readonly GenerateFormat[] = ['csv', 'aam-outbound'];

export const AUDIENCE_HEADER = 'crm_id,email,phone,first_name,country,segment';

/** A chunk is yielded once it reaches 1 MiB; rows are never split across chunks. */
const CHUNK_BYTES = 1 << 20;
const CHUNK_SLACK = 64 << 10;
/** Rows built into one string before it is encoded (a few KiB). */
const BATCH_ROWS = 32;

interface Plan {
  rows: number;
  seed: number;
  format: GenerateFormat;
  segments: boolean;
}

function validate(opts: GenerateOptions): Plan {
  const rows = opts?.rows;
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) {
    throw new ConfigError(`--rows must be a non-negative integer, got ${String(rows)}`, '--rows');
  }
  const seed = opts.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ConfigError(`--seed must be an integer, got ${String(seed)}`, '--seed');
  }
  const format = opts.format ?? 'csv';
  if (!GENERATE_FORMATS.includes(format)) throw new ConfigError(`--format must be one of ${GENERATE_FORMATS.join(', ')}, got ${String(format)}`, '--format');
  const segments = opts.segments === true;
  if (segments && format !== 'csv') throw new ConfigError('--segments adds a column to the CSV audience: AAM outbound rows carry their segments already', '--segments');
  return { rows, seed, format, segments };
}

/** The output's first line, and one row's text (with its LF) per call. */
function layout(plan: Plan): { header: string; next: (i: number) => string } {
  const r = new Prng(plan.seed);
  if (plan.format === 'aam-outbound') return { header: '', next: () => aamOutboundRow(r) };
  const segments = plan.segments ? new Prng(plan.seed).u32() : undefined;
  const seg = segments === undefined ? undefined : new Prng(segments ^ 0x5e6d5e6d);
  let crmPrefix = '';
  return {
    header: AUDIENCE_HEADER + (seg ? ',segments' : '') + '\n',
    next: (i) => {
      const id = i + 1;
      const low = id % 10000;
      if (low === 0 || i === 0) crmPrefix = 'CRM' + String(1e6 + Math.floor(id / 10000)).slice(1);
      const text = row(r, crmPrefix, low);
      return seg ? `${text.slice(0, -1)},${csvSegments(seg)}\n` : text;
    },
  };
}

function* chunks(plan: Plan): Generator<Buffer> {
  const { rows } = plan;
  const { header, next } = layout(plan);
  // Rows are encoded into the chunk buffer in small batches as soon as they are built, so their
  // strings die young: a 1 MiB rope of row strings would survive scavenges and cost more in GC
  // than the generation itself.
  let buf = Buffer.allocUnsafeSlow(CHUNK_BYTES + CHUNK_SLACK);
  let off = buf.write(header, 0, 'latin1');
  let batch = '';
  let inBatch = 0;
  for (let i = 0; i < rows; i++) {
    batch += next(i);
    if (++inBatch === BATCH_ROWS || i === rows - 1) {
      // UTF-8 needs at most 3 bytes per UTF-16 unit.
      if (batch.length * 3 > buf.length - off) {
        yield buf.subarray(0, off);
        buf = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES + CHUNK_SLACK, batch.length * 3));
        off = 0;
      }
      off += buf.write(batch, off, 'utf8');
      batch = '';
      inBatch = 0;
      if (off >= CHUNK_BYTES) {
        yield buf.subarray(0, off);
        buf = Buffer.allocUnsafeSlow(CHUNK_BYTES + CHUNK_SLACK);
        off = 0;
      }
    }
  }
  if (off > 0) yield buf.subarray(0, off);
}

/**
 * Yields the CSV bytes in chunks of roughly 1 MiB, header first. Deterministic for (rows, seed).
 * Options are checked at call time (ConfigError), not at the first `next()`.
 */
export function generateAudience(opts: GenerateOptions): Generator<Buffer> {
  return chunks(validate(opts));
}

/** A byte stream (not object mode) over the same bytes as generateAudience. */
export function generateAudienceStream(opts: GenerateOptions): Readable {
  return Readable.from(generateAudience(opts), { objectMode: false });
}
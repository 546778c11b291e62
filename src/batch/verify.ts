/**
 * Checks a batch's parts against its `.info` file (info.ts): each listed part's byte size and
 * MD5 over the file as stored, its line count over the decoded content (gunzipped when it starts
 * like gzip, as the pipeline decodes it), every listed part present and every part listed, and
 * the totals. Each part is opened through its source (local file, SFTP, HTTP) and read once
 * for the check, before the run reads it again: a batch is trusted only once all of it is known
 * to be complete, so nothing of a damaged batch is ever published.
 */
import { createHash } from 'node:crypto';
import { RunError, type RunErrorCode } from '../errors/errors.js';
import { decodedBytes } from '../sources/decode.js';
import { closeByteStream, type ByteStream } from '../sources/source.js';
import { LineCounter, type BatchInfo, type InfoFile } from './info.js';

/** What verification needs of a part: its name (shown; its last segment is matched) and its bytes. */
export interface BatchPart {
  readonly name: string;
  open(signal: AbortSignal): Promise<ByteStream>;
}

export interface PartFigures {
  readonly bytes: number;
  readonly md5: string;
  /** Undefined when the content does not decode. */
  readonly lines: number | undefined;
  /** Why the content does not decode (a truncated gzip part). */
  readonly decodeError?: string;
}

export interface PartCheck {
  /** The part's file name (as the .info lists it, or as found). */
  readonly name: string;
  readonly status: 'ok' | 'mismatch' | 'missing' | 'unlisted';
  /** `<figure> expected <x>, actual <y>`, one per figure that differs. */
  readonly problems: readonly string[];
  readonly figures?: PartFigures;
}

export interface BatchCheck {
  /** The .info file as shown. */
  readonly info: string;
  /** The listed parts in sequence order, then the unlisted ones. */
  readonly parts: readonly PartCheck[];
  /** Totals that differ from the parts found. */
  readonly totals: readonly string[];
  readonly ok: boolean;
}

/** The last segment of a shown name (a path or URL, without its query). */
export function fileNameOf(shown: string): string {
  const clean = shown.replace(/[?#].*$/, '');
  return clean.slice(clean.lastIndexOf('/') + 1);
}

/** Reads a part once: size and MD5 of its bytes as stored, lines of its decoded content. */
export async function measurePart(part: BatchPart, signal: AbortSignal): Promise<PartFigures> {
  const raw = await part.open(signal);
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const md5 = createHash('md5');
  let bytes = 0;
  let ended = false;
  // Pulled by hand, not with for-await: when decoding fails the rest is still read from `it`.
  const pull = async (): Promise<Buffer | undefined> => {
    // A local file's reads take no signal: an interrupted run stops the check between reads.
    signal.throwIfAborted();
    const next = await it.next();
    if (next.done) {
      ended = true;
      return undefined;
    }
    md5.update(next.value);
    bytes += next.value.length;
    return next.value;
  };
  const stored = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<Buffer>> => {
        const b = await pull();
        return b === undefined ? { done: true, value: undefined } : { done: false, value: b };
      },
    }),
  } as AsyncIterable<Buffer>;
  const lines = new LineCounter();
  let decodeError: string | undefined;
  try {
    try {
      for await (const piece of decodedBytes(stored, () => {})) lines.add(piece);
    } catch (err) {
      if (signal.aborted) throw err;
      decodeError = (err as Error).message;
      while (!ended) await pull();
    }
  } catch (err) {
    await closeByteStream(raw);
    throw err;
  }
  return { bytes, md5: md5.digest('hex'), lines: decodeError === undefined ? lines.lines : undefined, ...(decodeError === undefined ? {} : { decodeError }) };
}

/**
 * Checks `parts` (the batch's data files) against `info`; `infoShown` names the .info file.
 * Reads every part that the .info lists; reports, does not throw for a mismatch (see batchError).
 */
export async function checkBatch(info: BatchInfo, infoShown: string, parts: readonly BatchPart[], signal: AbortSignal): Promise<BatchCheck> {
  const byName = new Map<string, BatchPart>();
  for (const part of parts) byName.set(fileNameOf(part.name), part);
  // A FileName with a directory in front is matched by its last segment: parts are found beside each other.
  const listed = new Set(info.files.map((f) => fileNameOf(f.name)));
  const infoName = fileNameOf(infoShown);
  const checks: PartCheck[] = [];
  let bytes = 0;
  let lines = 0;
  let found = 0;
  for (const file of info.files) {
    const part = byName.get(fileNameOf(file.name));
    if (part === undefined) {
      checks.push({ name: file.name, status: 'missing', problems: [`listed in ${infoName} (FileSequenceNumber ${file.sequence}) but not found`] });
      continue;
    }
    const figures = await measurePart(part, signal);
    found++;
    bytes += figures.bytes;
    lines += figures.lines ?? 0;
    const problems = compare(file, figures);
    checks.push({ name: file.name, status: problems.length === 0 ? 'ok' : 'mismatch', problems, figures });
  }
  for (const part of parts) {
    const name = fileNameOf(part.name);
    if (!listed.has(name)) checks.push({ name, status: 'unlisted', problems: [`not listed in ${infoName}`] });
  }
  const totals: string[] = [];
  const t = info.totals;
  // The totals are of the batch: what the .info says against what is there.
  const present = found + checks.filter((c) => c.status === 'unlisted').length;
  if (t.files !== present) totals.push(`TotalNumberFiles expected ${t.files}, actual ${present}`);
  if (t.files !== info.files.length) totals.push(`TotalNumberFiles ${t.files} but Files lists ${info.files.length}`);
  if (t.bytes !== bytes) totals.push(`TotalByteSize expected ${t.bytes}, actual ${bytes}`);
  if (t.lines !== lines) totals.push(`TotalNumberLines expected ${t.lines}, actual ${lines}`);
  return { info: infoShown, parts: checks, totals, ok: totals.length === 0 && checks.every((c) => c.status === 'ok') };
}

function compare(file: InfoFile, figures: PartFigures): string[] {
  const problems: string[] = [];
  if (figures.bytes !== file.bytes) problems.push(`FileByteSize expected ${file.bytes}, actual ${figures.bytes}`);
  if (figures.md5 !== file.md5) problems.push(`md5 expected ${file.md5}, actual ${figures.md5}`);
  if (figures.lines === undefined) problems.push(`FileLineCount expected ${file.lines}, actual unknown: the content does not decode (${figures.decodeError})`);
  else if (figures.lines !== file.lines) problems.push(`FileLineCount expected ${file.lines}, actual ${figures.lines}`);
  return problems;
}

const CODES: Record<Exclude<PartCheck['status'], 'ok'>, RunErrorCode> = {
  mismatch: 'ERR_INFO_MISMATCH',
  missing: 'ERR_INFO_PART_MISSING',
  unlisted: 'ERR_INFO_PART_UNLISTED',
};

/**
 * The error for a failed check (the first problem's code, every problem in the message), or
 * undefined. A run's message adds that nothing was published.
 */
export function batchError(check: BatchCheck, during: 'run' | 'verify' = 'run'): RunError | undefined {
  if (check.ok) return undefined;
  const failed = check.parts.filter((c) => c.status !== 'ok');
  const code = failed.length > 0 ? CODES[failed[0].status as keyof typeof CODES] : 'ERR_INFO_MISMATCH';
  const lines = [...failed.map((c) => `${c.name}: ${c.problems.join('; ')}`), ...check.totals.map((t) => `totals: ${t}`)];
  return new RunError(code, `the batch does not match ${check.info}${during === 'run' ? ' (nothing was published)' : ''}: ${lines.join('; ')}`);
}

/** The verify command's line for a part. */
export function checkLine(c: PartCheck): string {
  const label = { ok: 'ok', mismatch: 'MISMATCH', missing: 'MISSING', unlisted: 'UNLISTED' }[c.status];
  const detail = c.status === 'ok' && c.figures !== undefined ? `${c.figures.bytes} bytes, ${c.figures.lines} lines, md5 ${c.figures.md5}` : c.problems.join('; ');
  return `${label.padEnd(8)}  ${c.name}  ${detail}`;
}

/** The verify command's line for the totals. */
export function totalsLine(check: BatchCheck): string {
  return check.totals.length === 0 ? `${'ok'.padEnd(8)}  totals` : `${'MISMATCH'.padEnd(8)}  totals  ${check.totals.join('; ')}`;
}

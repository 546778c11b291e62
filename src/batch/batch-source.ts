/**
 * A source whose batch is checked against its `.info` file before any of it is read for the
 * run: `--info <path|url>`, or the `.info` found beside the input files (a local directory or
 * glob, an SFTP directory or glob). Listing the parts is the run's first step, before any sink
 * is opened, so a batch that fails the check stops the run (exit 1) with nothing written.
 */
import { RunError } from '../errors/errors.js';
import { decodedBytes } from '../sources/decode.js';
import { closeByteStream, type BatchSummary, type Source, type SourcePart } from '../sources/source.js';
import type { Logger } from '../util/logger.js';
import type { BatchInfo } from './info.js';

/** A .info body is a few hundred bytes per part; anything past this is not one. */
const MAX_INFO_BYTES = 16 << 20;

export interface BatchCheckOptions {
  /** `--info`: opens the named .info file as a source of one part. */
  readonly info?: () => Promise<Source>;
  readonly log: Logger;
}

/** `source`, whose parts() also checks the batch when it has a .info. */
export function withBatchCheck(source: Source, options: BatchCheckOptions): Source {
  let verified: BatchSummary | undefined;
  const wrapped: Source = {
    description: source.description,
    async parts(signal) {
      const parts = await source.parts(signal);
      const info = await findInfo(source, options, signal);
      if (info === undefined) return parts;
      // Loaded only for a batch: json5 and the check are no cost to a run without one.
      const { batchError, checkBatch } = await import('./verify.js');
      const err = batchError(await checkBatch(info.body, info.shown, parts, signal));
      if (err) throw err;
      const { totals } = info.body;
      verified = { info: info.shown, files: totals.files, bytes: totals.bytes, lines: totals.lines };
      options.log.info({ event: 'batch_verified', ...verified }, `batch verified against ${info.shown}`);
      return parts;
    },
    batch: () => verified,
  };
  if (source.controlFiles) wrapped.controlFiles = () => source.controlFiles!();
  if (source.afterSuccess) wrapped.afterSuccess = () => source.afterSuccess!();
  if (source.close) wrapped.close = () => source.close!();
  return wrapped;
}

/** The batch's .info, parsed: --info's, else the one beside the files. */
async function findInfo(source: Source, options: BatchCheckOptions, signal: AbortSignal): Promise<{ body: BatchInfo; shown: string } | undefined> {
  if (options.info !== undefined) {
    const infoSource = await options.info();
    try {
      const [part] = await infoSource.parts(signal);
      return await readInfo(part, signal);
    } catch (err) {
      throw asInfoError(err, '--info');
    } finally {
      await infoSource.close?.();
    }
  }
  const [beside] = (await source.controlFiles?.()) ?? [];
  return beside === undefined ? undefined : readInfo(beside, signal);
}

/** Reads and parses one .info part. */
export async function readInfo(part: SourcePart, signal: AbortSignal): Promise<{ body: BatchInfo; shown: string }> {
  const raw = await part.open(signal);
  const pieces: Buffer[] = [];
  let size = 0;
  try {
    for await (const piece of decodedBytes(raw, () => {})) {
      size += piece.length;
      if (size > MAX_INFO_BYTES) throw new RunError('ERR_INFO', `${part.name}: over ${MAX_INFO_BYTES} bytes: not a .info file`);
      pieces.push(Buffer.from(piece));
    }
  } catch (err) {
    await closeByteStream(raw);
    throw err;
  }
  const { parseInfo } = await import('./info.js');
  return { body: parseInfo(utf8(Buffer.concat(pieces), part.name), part.name), shown: part.name };
}

/** The body as text; bytes that are not UTF-8 would turn a FileName into one no part has. */
function utf8(bytes: Buffer, shown: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    // The valid text before the first bad sequence is as many bytes as it was.
    const text = bytes.toString('utf8');
    const at = Buffer.byteLength(text.slice(0, text.indexOf('\uFFFD')), 'utf8');
    throw new RunError('ERR_INFO', `${shown}: not UTF-8 (byte ${at + 1} is not part of a UTF-8 character)`, err);
  }
}

/**
 * A local .info that cannot be read is the .info's error, not the input's: the file source
 * names `--in` in its messages. Transport errors keep their own codes.
 */
export function asInfoError(err: unknown, option: string): unknown {
  if (!(err instanceof RunError) || err.code !== 'ERR_INPUT') return err;
  return new RunError('ERR_INFO', `${option}: ${err.message.replace(/^--in: /, '')}`, err);
}

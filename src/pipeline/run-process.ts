/**
 * The `process` job: source -> (gunzip) -> record-aligned chunks -> worker pool -> ordered
 * merge -> (gzip) -> sink, as one `stream.pipeline` with backpressure end to end. The number of
 * chunks in flight is bounded, so memory stays flat whatever the input size, and a slow sink
 * slows the reader.
 */
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { AudiencePipeError, ConfigError, RunError } from '../errors/errors.js';
import { abortedBy, classify, errorSummary, isClosedPipe } from '../errors/classify.js';
import type { ProcessConfig } from '../config/types.js';
import { frameRecords, type FramedItem } from './chunker.js';
import { CsvFraming } from '../formats/csv/framing.js';
import { parseHeader } from '../formats/csv/header.js';
import { BufferPool } from '../pool/buffer-pool.js';
import { ChunkPool } from '../pool/chunk-pool.js';
import { REJECT_REASONS, type ChunkResult, type WorkerInit } from '../protocol/messages.js';
import { RejectsWriter } from '../report/rejects-writer.js';
import { RunAccounting, type RunReport, type RunStatus } from '../report/run-report.js';
import { OutputSet, sinkPart } from '../outputs/output-set.js';
import type { Sink } from '../outputs/sink.js';
import { decodedBytes } from '../sources/decode.js';
import { closeByteStream, type ByteStream, type Source, type SourcePart } from '../sources/source.js';
import type { Dialect } from '../formats/csv/scan.js';
import type { Logger } from '../util/logger.js';
import { deliver } from './deliver.js';
import { inOrder } from './in-order.js';
import { planColumns, planKeys, sha256Implementation } from './plan-columns.js';
import { ProgressMeter, type ProgressDisplay } from './progress.js';
import { RejectLimit, type Delivered } from './reject-limit.js';
import { checkTextEncoding } from './text-encoding.js';

// Kept exported from here: the library entry and the bench command import it from this module.
export { planColumns };

export interface ProcessDeps {
  readonly source: Source;
  /** Called once the header is known to be valid: no sink is opened for a configuration error. */
  readonly openSink: (inputName: string | undefined) => Sink | Promise<Sink>;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** A terminal's status line: progress is drawn there while the run lasts. */
  readonly progress?: ProgressDisplay;
}

export interface ProcessOutcome {
  readonly report: RunReport;
  readonly exitCode: 0 | 1 | 2;
  readonly error?: unknown;
}

/** A framed item once its work is done: chunks come back from the pool, the rest as they were. */
type Done = { kind: 'records'; result: ChunkResult } | Exclude<FramedItem, { kind: 'records' }>;

export async function runProcess(config: ProcessConfig, deps: ProcessDeps): Promise<ProcessOutcome> {
  const started = performance.now();
  const { log, source } = deps;
  const controller = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  const dialect: Dialect = { delimiter: config.delimiter, quote: 0x22, escape: config.escape };
  const accounting = new RunAccounting();
  let sink: Sink | undefined;
  let rejects: RejectsWriter | undefined;
  let pool: ChunkPool | undefined;
  // The data output and the reject file: published together at the end, or neither.
  const outputs = new OutputSet();
  let outputName = config.out;
  let inputParts: readonly SourcePart[] = [];
  const progress = deps.progress ? new ProgressMeter(accounting, deps.progress, () => totalSize(inputParts)) : undefined;
  const rejectLimit = new RejectLimit(config.maxRejects);
  let recordsDelivered = 0;
  let writable: Writable | undefined;
  // A sink that cannot take bytes back (stdout, a FIFO) may still hold chunks it was handed but
  // has not written: they are lost when the run stops, so the figures wait until it has written
  // them (bytes are counted as handed over; before this the message could say a chunk more than
  // the reader got).
  const delivered = async (): Promise<Delivered | undefined> => {
    if (!sink?.direct) return undefined;
    while (writable && writable.writableLength > 0 && !writable.destroyed) await sleep(1);
    return { records: recordsDelivered, bytes: accounting.bytesOut, output: sink.description };
  };

  const finish = (status: RunStatus, error?: unknown): ProcessOutcome => {
    const report = accounting.toReport({
      status,
      error: error === undefined ? undefined : errorSummary(error),
      input: source.description,
      output: sink?.description ?? outputName,
      durationMs: Math.round(performance.now() - started),
      workers: config.workers,
      transport: sink?.details?.(),
    });
    if (!config.rejects && report.recordsRejected > 0) {
      log.warn({ event: 'rejects_not_kept', recordsRejected: report.recordsRejected }, `${report.recordsRejected} rejected records were counted but not kept: pass --rejects <path> to write them with their line, column and reason`);
    }
    const exitCode = status === 'failed' ? (error instanceof AudiencePipeError ? error.exitCode : 1) : 0;
    return { report, exitCode, error };
  };

  try {
    const parts = await source.parts(signal);
    inputParts = parts;
    if (parts.length === 0) throw new RunError('ERR_INPUT', `--in: no input files match ${source.description}`);
    // Enough chunks in flight to keep every worker busy while the merge waits for the oldest.
    const maxInFlight = config.workers * 2 + 1;
    const buffers = new BufferPool(maxInFlight * 3 * Math.max(config.chunkSize, 1 << 16));
    // Output size relative to input, from the chunks so far: sizes the spare output buffers.
    let outputRatio = 1.5;
    // Output buffers that came from workers: only these go back to the pool once written.
    const outputBuffers = new WeakSet<ArrayBuffer>();
    const frame = (part: SourcePart, raw: ByteStream): AsyncGenerator<FramedItem> =>
      frameRecords(decodedBytes(raw, (n) => (accounting.bytesIn += n)), {
        // Framing keeps state: one for each file, whose header also sets its line end.
        framing: new CsvFraming(dialect),
        chunkSize: config.chunkSize,
        maxRecordBytes: config.maxRecordBytes,
        allocate: (size) => buffers.take(size),
      });

    // The header decides the plan; a bad plan stops the run before any output exists.
    const firstRaw = await parts[0].open(signal);
    const firstItems = frame(parts[0], firstRaw);
    const headerItem = await nextHeader(firstItems, parts[0]);
    checkTextEncoding(headerItem.bytes, parts[0].name);
    const lineEnd = headerItem.lineEnd;
    const header = parseHeader(headerItem.bytes, { ...dialect, lineEnd });
    const columns = planColumns(config, header, log);
    accounting.setColumns(columns);
    if (parts.length > 1) await checkSameHeaders(parts.slice(1), headerItem, frame, signal);

    sink = await deps.openSink(parts.length === 1 ? parts[0].name : undefined);
    outputs.add(sinkPart(sink));
    outputName = sink.description;
    const gzipOutput = sink.gzip === true;
    const init: WorkerInit = {
      fieldCount: header.length,
      columns,
      format: { name: 'csv', delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape, lineEnd },
      maxRecordBytes: config.maxRecordBytes,
      keys: planKeys(config),
      sha256: sha256Implementation(),
      ...(gzipOutput ? { gzipLevel: 6 } : {}),
    };
    pool = new ChunkPool(init, config.workers);
    if (config.rejects) {
      rejects = new RejectsWriter(config.rejects);
      outputs.add(rejects);
      await rejects.open();
    }
    const sinkWritable = await sink.open(signal);
    writable = sinkWritable;
    progress?.start();
    let warnedCountry = false;
    const activePool = pool;
    const rejectsWriter = rejects;

    // Chunks go to the pool with a spare output buffer; the other items need no work.
    const dispatch = (item: FramedItem): Promise<Done> => {
      if (item.kind === 'records') {
        // With gzip the worker keeps its own output buffer; compressed members are not recycled.
        const spare = gzipOutput ? undefined : buffers.take(Math.ceil(item.length * outputRatio * 1.05) + 1024);
        return activePool.run(item.buffer, item.length, spare).then((result) => {
          if (!gzipOutput) outputBuffers.add(result.out);
          outputRatio = Math.max(0.5, result.outLength / Math.max(1, item.length));
          return { kind: 'records', result };
        });
      }
      return Promise.resolve(item);
    };

    async function* output(): AsyncGenerator<Buffer> {
      const headerLine = Buffer.concat([headerItem.bytes, Buffer.from('\n')]);
      yield gzipOutput ? gzipSync(headerLine, { level: 6 }) : headerLine;
      for (let p = 0; p < parts.length; p++) {
        const items = p === 0 ? firstItems : frame(parts[p], await parts[p].open(signal));
        // Lines are counted per input file: its header is line 1.
        let lineFeedsBefore = p === 0 ? headerItem.lineFeeds : -1;
        accounting.blankLines += p === 0 ? headerItem.blankLines : 0;
        for await (const done of inOrder(items, dispatch, maxInFlight)) {
          if (done.kind === 'header') {
            lineFeedsBefore = done.lineFeeds;
            accounting.blankLines += done.blankLines;
            continue;
          }
          if (done.kind === 'reject') {
            accounting.addFramingReject(done.reason);
            if (rejectsWriter && (await rejectsWriter.add(lineFeedsBefore + 1, '', done.reason, done.bytes, done.length))) accounting.rejectsTruncated++;
            lineFeedsBefore += done.lineFeeds;
            await rejectLimit.afterRecords(accounting, delivered);
            continue;
          }
          if (activePool.poolError) throw activePool.poolError;
          const r = done.result;
          buffers.give(r.input);
          accounting.addChunk(r);
          if (r.phonesNeedingCountry > 0 && !warnedCountry) {
            warnedCountry = true;
            log.warn({ event: 'phone_needs_country' }, 'phone numbers without a country code (no leading + or 00) are rejected as invalid_phone: pass --default-country to read them as national numbers');
          }
          if (rejectsWriter && r.rejects.count > 0) accounting.rejectsTruncated += await writeRejects(rejectsWriter, r, lineFeedsBefore, header);
          lineFeedsBefore += r.lineFeeds;
          await rejectLimit.afterRecords(accounting, delivered);
          if (r.outLength > 0) yield Buffer.from(r.out, 0, r.outLength);
          recordsDelivered += r.recordsOut;
        }
      }
      await rejectLimit.atEnd(accounting, delivered);
    }

    await deliver(output, {
      writable: sinkWritable,
      writableReleases: sink.releasesWrittenChunks === true,
      release: (chunk) => {
        if (outputBuffers.delete(chunk.buffer as ArrayBuffer)) buffers.give(chunk.buffer as ArrayBuffer);
      },
      onBytesOut: (n) => (accounting.bytesOut += n),
      signal,
    });
    // A signal that came as the last bytes went out still publishes nothing.
    signal.throwIfAborted();
    await outputs.commit();
    await source.afterSuccess?.();
    return finish('ok');
  } catch (err) {
    controller.abort();
    await outputs.abort(err);
    if (err instanceof ConfigError && sink === undefined) throw err;
    // An abort on request (a signal) is reported as its reason, not as the AbortError it raised.
    if (deps.signal?.aborted) return finish('failed', abortedBy(deps.signal.reason));
    if (isClosedPipe(err)) return finish('cut-short');
    const error = classify(err);
    return finish('failed', error);
  } finally {
    progress?.stop();
    await pool?.close().catch(() => {});
    await source.close?.();
  }
}

/** The input's raw size, when every part knows its own. */
function totalSize(parts: readonly SourcePart[]): number | undefined {
  let total = 0;
  for (const part of parts) {
    const size = part.size?.();
    if (size === undefined) return undefined;
    total += size;
  }
  return parts.length > 0 ? total : undefined;
}

async function nextHeader(items: AsyncGenerator<FramedItem>, part: SourcePart): Promise<Extract<FramedItem, { kind: 'header' }>> {
  const first = await items.next();
  if (first.done || first.value.kind !== 'header') throw new RunError('ERR_NO_HEADER', `${part.name}: input has no header`);
  return first.value;
}

/** Every part must carry the same header; checked before any output is written. */
async function checkSameHeaders(
  parts: SourcePart[],
  first: Extract<FramedItem, { kind: 'header' }>,
  frame: (part: SourcePart, raw: ByteStream) => AsyncGenerator<FramedItem>,
  signal: AbortSignal,
): Promise<void> {
  for (const part of parts) {
    const raw = await part.open(signal);
    try {
      const header = await nextHeader(frame(part, raw), part);
      const expected = first.bytes;
      if (header.lineEnd !== first.lineEnd) throw new RunError('ERR_HEADER_MISMATCH', `${part.name}: its lines end with ${header.lineEnd === 0x0d ? 'CR' : 'LF'}, the first file's with ${first.lineEnd === 0x0d ? 'CR' : 'LF'}`);
      if (!header.bytes.equals(expected)) {
        throw new RunError('ERR_HEADER_MISMATCH', `${part.name}: its header differs from the first file's (expected '${expected.toString('utf8')}', got '${header.bytes.toString('utf8')}')`);
      }
    } finally {
      await closeByteStream(raw);
    }
  }
}

/** Returns how many of the chunk's reject texts were cut. */
async function writeRejects(writer: RejectsWriter, r: ChunkResult, lineFeedsBefore: number, header: readonly string[]): Promise<number> {
  const rej = r.rejects;
  const raw = Buffer.from(rej.raw);
  let cut = 0;
  for (let i = 0; i < rej.count; i++) {
    const col = rej.columns[i];
    const text = raw.subarray(rej.rawOffsets[i], rej.rawOffsets[i + 1]);
    if (await writer.add(lineFeedsBefore + rej.lineOffsets[i] + 1, col >= 0 ? header[col] : '', REJECT_REASONS[rej.reasons[i]], text, rej.recordLengths[i])) cut++;
  }
  return cut;
}

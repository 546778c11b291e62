/**
 * The run's first stage: the input files, each decoded and framed into records by the format,
 * and what the first file's start says (its header, or the format's own column names). The
 * header is read before anything else because it decides the plan: a bad one stops the run
 * before any output exists. Every other file must carry the same header.
 */
import { RunError } from '../errors/errors.js';
import type { FormatRun } from '../formats/format.js';
import { decodedBytes } from '../sources/decode.js';
import { closeByteStream, type ByteStream, type SourcePart } from '../sources/source.js';
import { frameRecords, type FramedItem } from './chunker.js';
import { checkTextEncoding } from './text-encoding.js';

export type HeaderItem = Extract<FramedItem, { kind: 'header' }>;

export interface InputsOptions {
  readonly format: FormatRun;
  readonly chunkSize: number;
  readonly maxRecordBytes: number;
  /** Where chunk buffers come from. */
  readonly allocate: (size: number) => ArrayBuffer;
  /** Raw bytes read, before decompression. */
  readonly onBytesIn: (n: number) => void;
  readonly signal: AbortSignal;
}

/** The input's columns, and the first file's header record when the format has one. */
export interface InputStart {
  readonly columns: readonly string[];
  readonly lineEnd: number;
  readonly header?: HeaderItem;
}

/** Opens the first file and reads its start. */
export async function openInputs(parts: readonly SourcePart[], options: InputsOptions): Promise<OpenedInputs> {
  const { format, signal } = options;
  const part = parts[0];
  const items = frame(await part.open(signal), options);
  if (format.header.kind === 'none') return new OpenedInputs(parts, options, items, { columns: format.header.columns, lineEnd: format.framing().lineEnd });
  const header = await nextHeader(items, part);
  checkTextEncoding(header.bytes, part.name);
  return new OpenedInputs(parts, options, items, { columns: format.header.parse(header.bytes, header.lineEnd), lineEnd: header.lineEnd, header });
}

export class OpenedInputs {
  constructor(
    private readonly parts: readonly SourcePart[],
    private readonly options: InputsOptions,
    /** The first file's items after its header. */
    private readonly firstItems: AsyncGenerator<FramedItem>,
    readonly start: InputStart,
  ) {}

  /** Every file after the first must carry the first one's header; checked before any output is written. */
  async checkSameHeaders(): Promise<void> {
    const first = this.start.header;
    if (first === undefined) return;
    for (const part of this.parts.slice(1)) {
      const raw = await part.open(this.options.signal);
      try {
        const header = await nextHeader(frame(raw, this.options), part);
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

  /**
   * Each file's framed items (its header, if the format has one, first), the files in order,
   * each opened once the one before has been read. The first file's header comes again at its
   * start: each file's line numbers count from its own header.
   */
  async *files(): AsyncGenerator<AsyncGenerator<FramedItem>> {
    const { header } = this.start;
    const firstItems = this.firstItems;
    async function* first(): AsyncGenerator<FramedItem> {
      if (header) yield header;
      yield* firstItems;
    }
    yield this.file(this.parts[0], first());
    for (const part of this.parts.slice(1)) yield this.file(part, frame(await part.open(this.options.signal), this.options));
  }

  private file(part: SourcePart, items: AsyncGenerator<FramedItem>): AsyncGenerator<FramedItem> {
    return this.start.header ? items : withEncodingChecked(part, items);
  }
}

/** Framing keeps state: one for each file, whose header also sets its line end. */
function frame(raw: ByteStream, options: InputsOptions): AsyncGenerator<FramedItem> {
  const { format, chunkSize, maxRecordBytes, allocate, onBytesIn } = options;
  return frameRecords(decodedBytes(raw, onBytesIn), { framing: format.framing(), header: format.header.kind === 'record', chunkSize, maxRecordBytes, allocate });
}

/** Without a header, a file's first records tell a UTF-16 or UTF-32 file, as a header does. */
async function* withEncodingChecked(part: SourcePart, items: AsyncGenerator<FramedItem>): AsyncGenerator<FramedItem> {
  let first = true;
  for await (const item of items) {
    if (first && item.kind === 'records') {
      checkTextEncoding(new Uint8Array(item.buffer, 0, Math.min(item.length, 4)), part.name);
      first = false;
    }
    yield item;
  }
}

async function nextHeader(items: AsyncGenerator<FramedItem>, part: SourcePart): Promise<HeaderItem> {
  const first = await items.next();
  if (first.done || first.value.kind !== 'header') throw new RunError('ERR_NO_HEADER', `${part.name}: input has no header`);
  return first.value;
}

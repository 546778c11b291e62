/**
 * Resolves `--in` and `--out` to a Source and a Sink: `-` for stdin/stdout, a local path,
 * `https://...` (and `http://` on loopback, for tests). One HTTP agent serves the whole run.
 */
import type { Agent } from 'undici';
import type { ProcessConfig } from '../config/types.js';
import { createAzureBlobSink } from '../sinks/azure-blob-sink.js';
import { createFileSink, createStdoutSink } from '../sinks/local-sink.js';
import type { Sink } from '../sinks/sink.js';
import { createHttpSource } from '../sources/http-source.js';
import { createFileSource, createStdinSource } from '../sources/local-source.js';
import type { Source } from '../sources/source.js';
import { createHttpAgent } from '../transport/http/agent.js';
import type { Logger } from '../util/logger.js';

const isHttp = (spec: string): boolean => /^https?:\/\//i.test(spec);

export class RunEndpoints {
  private agent: Agent | undefined;

  constructor(
    private readonly config: ProcessConfig,
    private readonly log: Logger,
  ) {}

  source(): Source {
    const spec = this.config.in;
    if (spec === '-') return createStdinSource();
    if (isHttp(spec)) return createHttpSource(spec, this.config.transport, this.log, this.httpAgent());
    return createFileSource(spec, this.config.chunkSize);
  }

  /** `inputName` is the input file's name, kept when `--out` is a directory. */
  sink(_inputName: string | undefined): Sink {
    const spec = this.config.out;
    if (spec === '-') return createStdoutSink();
    if (isHttp(spec)) return createAzureBlobSink(spec, this.config.transport, this.log, this.httpAgent());
    return createFileSink(spec);
  }

  async close(): Promise<void> {
    await this.agent?.close().catch(() => {});
  }

  private httpAgent(): Agent {
    this.agent ??= createHttpAgent();
    return this.agent;
  }
}

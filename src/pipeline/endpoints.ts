/**
 * Resolves `--in` and `--out` to a Source and a Sink: `-` for stdin/stdout, a local path,
 * `sftp://user@host[:port]/path` or `account:NAME`, `https://...` (and `http://` on loopback). Transport modules load only when a run
 * uses them: undici alone costs the process about 28 MB. One HTTP agent serves the whole run.
 */
import type { Agent } from 'undici';
import type { ProcessConfig } from '../config/types.js';
import { createFileSink, createStdoutSink } from '../outputs/local-sink.js';
import type { RoutedOutput } from '../outputs/file-targets.js';
import type { Sink } from '../outputs/sink.js';
import { createFileSource, createStdinSource } from '../sources/local-source.js';
import type { Source } from '../sources/source.js';
import { withBatchCheck } from '../batch/batch-source.js';
import type { Logger } from '../util/logger.js';
import { isHttpSpec } from '../transport/http/url.js';
import { isSftpSpec } from '../transport/sftp/address.js';


export class RunEndpoints {
  private agent: Agent | undefined;

  constructor(
    private readonly config: ProcessConfig,
    private readonly log: Logger,
  ) {}

  /** `--in`, its batch checked against its .info (`--info`, or one beside the files) as it is listed. */
  async source(): Promise<Source> {
    const { info } = this.config;
    return withBatchCheck(await this.sourceFor(this.config.in), { info: info === undefined ? undefined : () => this.sourceFor(info), log: this.log });
  }

  /** A local path, stdin, an SFTP or an HTTP(S) address as a source. */
  async sourceFor(spec: string): Promise<Source> {
    if (spec === '-') return createStdinSource();
    if (isSftpSpec(spec)) {
      const { createSftpSource } = await import('../sources/sftp-source.js');
      return createSftpSource(spec, this.config.transport, this.config.secrets, this.log);
    }
    if (isHttpSpec(spec)) {
      const { createHttpSource } = await import('../sources/http-source.js');
      return createHttpSource(spec, this.config.transport, this.log, await this.httpAgent());
    }
    return createFileSource(spec, this.config.chunkSize);
  }

  /** `inputName` is the input file's name, kept when `--out` is a directory. */
  async sink(inputName: string | undefined): Promise<Sink> {
    const spec = this.config.out;
    if (spec === '-') return createStdoutSink();
    if (isSftpSpec(spec)) {
      const { createSftpSink } = await import('../outputs/sftp-sink.js');
      return createSftpSink(spec, this.config.transport, this.config.secrets, this.log, inputName);
    }
    if (isHttpSpec(spec)) {
      const { createAzureBlobSink } = await import('../outputs/azure-blob-sink.js');
      return createAzureBlobSink(spec, this.config.transport, this.log, await this.httpAgent());
    }
    return createFileSink(spec, { name: this.config.transport.name, inputName: this.config.in === '-' ? undefined : inputName });
  }

  /** Where a routed run's files go (splits, partitions, dedup, AAM inbound: src/pipeline/route-run.ts). */
  async files(inputName: string | undefined): Promise<RoutedOutput> {
    const spec = this.config.out;
    const { localRoutedOutput, singleFileTarget } = await import('../outputs/file-targets.js');
    if (spec === '-') return { target: singleFileTarget(createStdoutSink()) };
    if (isSftpSpec(spec)) {
      const { sftpRoutedOutput } = await import('../outputs/sftp-sink.js');
      return sftpRoutedOutput(spec, this.config.transport, this.config.secrets, this.log);
    }
    if (isHttpSpec(spec)) {
      const { azureRoutedOutput } = await import('../outputs/azure-blob-files.js');
      return azureRoutedOutput(spec, this.config.transport, this.log, await this.httpAgent());
    }
    return localRoutedOutput(spec, () => this.sink(inputName));
  }

  async close(): Promise<void> {
    await this.agent?.close().catch(() => {});
  }

  private async httpAgent(): Promise<Agent> {
    if (!this.agent) {
      const { createHttpAgent } = await import('../transport/http/agent.js');
      this.agent = createHttpAgent();
    }
    return this.agent;
  }
}

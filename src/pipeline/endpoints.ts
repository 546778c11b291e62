/**
 * Resolves `--in` and `--out` to a Source and a Sink: `-` for stdin/stdout, a local path,
 * `sftp://...` or `account:NAME`, `https://...` (and `http://` on loopback for tests).
 */
import type { ProcessConfig } from '../config/types.js';
import type { Sink } from '../sinks/sink.js';
import { createFileSink, createStdoutSink } from '../sinks/local-sink.js';
import type { Source } from '../sources/source.js';
import { createFileSource, createStdinSource } from '../sources/local-source.js';
import type { Logger } from '../util/logger.js';

export function resolveSource(config: ProcessConfig, _log: Logger): Source {
  const spec = config.in;
  if (spec === '-') return createStdinSource();
  return createFileSource(spec, config.chunkSize);
}

export function resolveSink(config: ProcessConfig, _log: Logger, _inputName: string | undefined): Sink {
  const spec = config.out;
  if (spec === '-') return createStdoutSink();
  return createFileSink(spec);
}

/** Library entry: the same engine as the CLI, for programs that embed it. */
export { buildProcessConfig, readConfigFile, parseByteSize } from './config/load.js';
export type { ProcessConfig, HashSpec, HashMethod, TransportConfig, Secrets } from './config/types.js';
export { runProcess, planColumns, type ProcessDeps, type ProcessOutcome } from './pipeline/run-process.js';
export { RunEndpoints } from './pipeline/endpoints.js';
export type { RunReport } from './report/run-report.js';
export { generateAudience, generateAudienceStream } from './generate/audience.js';
export { AudiencePipeError, ConfigError, RunError, TransportError } from './errors.js';
export type { Source, SourcePart } from './sources/source.js';
export type { Sink } from './sinks/sink.js';

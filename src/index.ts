/** Library entry: the same engine as the CLI, for programs that embed it. */
export { processFile, ProcessFileError, type LoggerLike, type ProcessFileExtras } from './process-file.js';
export { buildProcessConfig, readConfigFile, parseByteSize, type SecretOptions } from './config/load.js';
export { configFileJsonSchema } from './config/schema.js';
export type { ProcessOptions, ProcessConfig, HashSpec, HashMethod, LogLevel, TransportConfig, Secrets, SftpAccount, MaxRejects } from './config/types.js';
export { runProcess, planColumns, type ProcessDeps, type ProcessOutcome } from './pipeline/run-process.js';
export { RunEndpoints } from './pipeline/endpoints.js';
export type { RunReport, RunStatus } from './report/run-report.js';
export { generateAudience, generateAudienceStream } from './tools/generate/audience.js';
export { AudiencePipeError, ConfigError, InterruptedError, RunError, TransportError, type ErrorCode, type ErrorContext } from './errors/errors.js';
export type { Source, SourcePart } from './sources/source.js';
export type { Sink } from './outputs/sink.js';
export { verifyBatch, type VerifyOptions } from './batch/verify-batch.js';
export type { BatchCheck, PartCheck, PartFigures } from './batch/verify.js';
export { parseInfo, infoBody, infoNameFor, type BatchInfo, type InfoFile, type InfoTotals, type WrittenFile } from './batch/info.js';
export { parseFileName, type FileNameMetadata, type InputFileEntry } from './batch/file-name.js';
export { outputNaming, sanitizePartition, PLACEHOLDERS, type OutputNaming, type NamingConfig } from './outputs/naming.js';

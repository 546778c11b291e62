/**
 * `process --dry-run`: the whole run on a sample, written nowhere. The configuration is already
 * checked (keys, IV, limits) and so are the local targets (src/outputs/targets.ts); here the
 * input's header and its first megabyte go through the real pipeline (columns planned, records
 * scanned and transformed by the workers, rejects counted, --max-rejects applied) into a sink
 * that drops every byte, with no reject file and no report. Then it says what a run would do.
 */
import { Writable } from 'node:stream';
import { DEFAULT_KEY, type ProcessConfig } from '../config/types.js';
import type { CheckedTarget } from '../outputs/targets.js';
import { runProcess, type ProcessOutcome } from '../pipeline/run-process.js';
import type { RunReport } from '../report/run-report.js';
import { gzipByName, type Sink } from '../outputs/sink.js';
import { decodedBytes } from '../sources/decode.js';
import { closeByteStream, type ByteStream, type Source } from '../sources/source.js';
import { isHttpSpec } from '../transport/http/url.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import type { Logger } from '../util/logger.js';
import type { LogFormat } from './log-format.js';
import { discardFileTarget } from '../outputs/file-targets.js';
import { humanSummary } from './summary.js';
import type { Terminal } from './terminal.js';

/** Decoded bytes of each input file a dry run reads. */
const SAMPLE_BYTES = 1 << 20;

/** The first `max` decoded bytes of a part, cut after its last whole line; the rest is never read. */
async function* firstBytes(raw: ByteStream, max: number): AsyncGenerator<Buffer> {
  let had = 0;
  try {
    // Decoded here: a gzip stream cut short would not inflate.
    for await (const data of decodedBytes(raw, () => undefined)) {
      if (had + data.length < max) {
        had += data.length;
        yield data;
        continue;
      }
      const head = data.subarray(0, max - had);
      const lf = head.lastIndexOf(0x0a);
      yield Buffer.from(lf >= 0 ? head.subarray(0, lf + 1) : had === 0 ? data : head.subarray(0, 0));
      return;
    }
  } finally {
    await closeByteStream(raw);
  }
}

function sampled(source: Source, max = SAMPLE_BYTES): Source {
  return {
    description: source.description,
    parts: async (signal) =>
      (await source.parts(signal)).map((part) => ({
        name: part.name,
        size: part.size?.bind(part),
        open: async (s: AbortSignal) => firstBytes(await part.open(s), max),
      })),
    close: source.close?.bind(source),
  };
}

/** Takes every byte and keeps none. */
function discardSink(description: string): Sink {
  return {
    description,
    // Compressed as the real run would, so the dry run's byte count is the real one's.
    gzip: gzipByName(description),
    releasesWrittenChunks: true,
    open: async () => new Writable({ write: (_chunk, _enc, done) => done() }),
    commit: async () => undefined,
    abort: async () => undefined,
  };
}

/**
 * A remote target as shown: no password, no query (a SAS signature is a secret). `account:NAME`
 * is remote too (an SFTP account of the config file): the transports' own test says which are.
 */
function shownSpec(spec: string): string {
  if (!isSftpSpec(spec) && !isHttpSpec(spec)) return spec;
  if (spec.startsWith('account:')) return `${spec} (remote: not contacted by a dry run)`;
  const url = new URL(spec);
  url.password = '';
  url.search = '';
  return `${url.toString()} (remote: not contacted by a dry run)`;
}

function targetText(t: CheckedTarget): string {
  if (t.target === 'stdout') return 'stdout';
  const { kind, path } = t.target;
  if (kind === 'file') return `${path} (${t.target.exists ? 'replaced' : 'a new file'}, written under a temporary name and renamed at the end)`;
  if (kind === 'direct' || kind === 'fd') return `${path} (written directly)`;
  return path;
}

const mib = (n: number): string => (n % (1 << 20) === 0 ? `${n >> 20}MiB` : n % 1024 === 0 ? `${n >> 10}KiB` : `${n} bytes`);

function limitsText(c: ProcessConfig): string {
  const max = c.maxRejects === undefined ? 'none' : 'count' in c.maxRejects ? String(c.maxRejects.count) : `${c.maxRejects.percent}%`;
  return `workers ${c.workers}, chunk ${mib(c.chunkSize)}, max record ${mib(c.maxRecordBytes)}, max rejects ${max}`;
}

function transformsText(c: ProcessConfig): string {
  const all = c.ops.map(({ column, op, params }) => `${column} -> ${op}${params.key === undefined || params.key === DEFAULT_KEY ? '' : ` with key ${params.key}`}`);
  return all.length > 0 ? all.join(', ') : 'none (--passthrough: a copy of the input)';
}

interface DryRunPlan {
  readonly input: string;
  readonly transforms: string;
  readonly aes?: string;
  readonly targets: Record<string, string>;
  readonly limits: string;
  readonly sample: Pick<RunReport, 'recordsIn' | 'recordsOut' | 'recordsRejected' | 'recordsDeduplicated' | 'rejectReasons' | 'bytesIn'> & {
    /** A routed run's files the sample would make (names, records), when it writes several or names them itself. */
    readonly files?: readonly { readonly name: string; readonly records: number }[];
  };
}

function plan(config: ProcessConfig, source: Source, targets: readonly CheckedTarget[], report: RunReport): DryRunPlan {
  const byOption = Object.fromEntries(targets.map((t) => [t.option, targetText(t)]));
  // A routed run names its files itself (splits, partitions, the format's names): the target's one name does not apply.
  const routedDir = report.files !== undefined && config.out !== '-' && /\/$/.test(config.out);
  if (routedDir) byOption.out = `${config.out} (the files below, each written under a temporary name; all renamed at the end)`;
  const targetsText: Record<string, string> = {
    out: byOption.out ?? shownSpec(config.out),
    rejects: config.rejects === undefined ? 'not kept (rejects are counted only)' : (byOption.rejects ?? config.rejects),
    report: config.report === undefined ? 'none' : (byOption.report ?? config.report),
  };
  const aesKey = config.secrets.aesKey;
  const named = Object.keys(config.secrets.keys).filter((name) => name !== DEFAULT_KEY);
  const aes = [
    ...(aesKey !== undefined ? [`AES-${aesKey.length * 8}-CBC key (${aesKey.length} bytes), IV ${config.secrets.keys[DEFAULT_KEY] ? 'set' : 'missing'}, ciphertext in ${config.cipherEncoding}`] : []),
    ...named.map((name) => `key ${name}: AES-${config.secrets.keys[name].key.length * 8}-CBC`),
  ];
  const { recordsIn, recordsOut, recordsRejected, recordsDeduplicated, rejectReasons, bytesIn } = report;
  const files = report.files && config.out !== '-' ? report.files.map(({ name, records }) => ({ name, records })) : undefined;
  return {
    input: source.description,
    transforms: transformsText(config),
    ...(aes.length > 0 ? { aes: aes.join('; ') } : {}),
    targets: targetsText,
    limits: limitsText(config),
    sample: { recordsIn, recordsOut, recordsRejected, recordsDeduplicated, rejectReasons, bytesIn, ...(files ? { files } : {}) },
  };
}

function planLines(p: DryRunPlan): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const reasons = Object.entries(p.sample.rejectReasons).map(([r, k]) => `${n(k)} ${r}`);
  const rows: Array<[string, string]> = [
    ['input', p.input],
    ['columns', p.transforms],
    ...(p.aes ? [['aes', p.aes] as [string, string]] : []),
    ['output', p.targets.out],
    ['rejects', p.targets.rejects],
    ['report', p.targets.report],
    ['limits', p.limits],
    ['sample', `${n(p.sample.recordsIn)} records (first ${(p.sample.bytesIn / 1e6).toFixed(1)} MB): ${n(p.sample.recordsOut)} would be written, ${n(p.sample.recordsRejected)} rejected${reasons.length ? ` (${reasons.join(', ')})` : ''}${p.sample.recordsDeduplicated > 0 ? `, ${n(p.sample.recordsDeduplicated)} deduplicated` : ''}`],
    ...filesRows(p.sample.files ?? []),
  ];
  return ['dry run: checked, nothing written', ...rows.map(([k, v]) => `  ${k.padEnd(9)}${v}`)].join('\n');
}

/** The sample's files, a few by name: a partitioned run may make hundreds. */
function filesRows(files: readonly { name: string; records: number }[]): Array<[string, string]> {
  const SHOWN = 5;
  const rows = files.slice(0, SHOWN).map((f, i): [string, string] => [i === 0 ? 'files' : '', `${f.name} (${f.records.toLocaleString('en-US')} records in the sample)`]);
  if (files.length > SHOWN) rows.push(['', `... ${files.length - SHOWN} more (${files.length} in all)`]);
  return rows;
}

export interface DryRunDeps {
  readonly config: ProcessConfig;
  readonly source: Source;
  readonly targets: readonly CheckedTarget[];
  readonly log: Logger;
  readonly terminal: Terminal;
  readonly logFormat: LogFormat;
  readonly signal: AbortSignal;
}

export async function dryRun(d: DryRunDeps): Promise<number> {
  const { config } = d;
  const source = sampled(d.source);
  const outcome: ProcessOutcome = await runProcess(
    { ...config, rejects: undefined, report: undefined, guardrails: { ...config.guardrails, duplicates: undefined } },
    {
      source,
      openSink: () => discardSink(config.out === '-' ? 'stdout' : config.out),
      openFiles: async () => ({ target: discardFileTarget(config.out === '-' ? 'stdout' : config.out) }),
      log: d.log,
      signal: d.signal,
    },
  );
  if (outcome.report.status === 'failed') {
    if (d.logFormat === 'pretty') d.terminal.print(humanSummary({ ...outcome.report, output: 'nothing (dry run)' }, {}));
    else d.log.error({ event: 'dry_run', err: outcome.report.error }, `dry run failed: ${outcome.report.error?.message ?? 'unknown error'}`);
    return outcome.exitCode;
  }
  const p = plan(config, d.source, d.targets, outcome.report);
  if (d.logFormat === 'pretty') d.terminal.print(planLines(p));
  else d.terminal.print(JSON.stringify({ event: 'dry_run', ...p, msg: 'dry run: checked, nothing written' }));
  return 0;
}

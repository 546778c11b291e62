/**
 * What the routing stage is asked to do, read from the configuration (config.files.*,
 * config.guardrails.*, config.to): undefined when no option asks for it, so a run without the
 * new options keeps today's single-output path byte for byte. Also which input fields the
 * workers must report per written record (ChunkPlan.probes) and where each role sits among them.
 */
import type { ProcessConfig } from '../config/types.js';
import { ConfigError } from '../errors/errors.js';

export interface RouteSettings {
  readonly splitRows?: number;
  readonly splitBytes?: number;
  readonly partitionBy?: string;
  readonly maxAudiences: number;
  readonly dedupKey?: readonly string[];
  readonly dedupOrder?: string;
  readonly duplicates?: string;
  /** aam-inbound output: at most 200 lines per ID per file, no empty output. */
  readonly aamInbound: boolean;
  readonly idColumn?: string;
  readonly writeInfo: boolean;
  /** Gzip every file whatever its name. */
  readonly gzip: boolean;
  readonly tmpDir?: string;
}

/** AAM's limit of lines per user ID in one file (DOMAIN.md). */
export const AAM_MAX_LINES_PER_ID = 200;

export function routeSettings(config: ProcessConfig): RouteSettings | undefined {
  const { files, guardrails: guard } = config;
  const aamInbound = config.to === 'aam-inbound';
  const dedupKey = guard.dedupKey !== undefined && guard.dedupKey.length > 0 ? guard.dedupKey : undefined;
  const active = files.splitRows !== undefined || files.splitBytes !== undefined || files.partitionBy !== undefined || dedupKey !== undefined || aamInbound;
  if (!active) return undefined;
  return {
    ...(files.splitRows === undefined ? {} : { splitRows: files.splitRows }),
    ...(files.splitBytes === undefined ? {} : { splitBytes: files.splitBytes }),
    ...(files.partitionBy === undefined ? {} : { partitionBy: files.partitionBy }),
    maxAudiences: files.maxAudiences,
    ...(dedupKey === undefined ? {} : { dedupKey }),
    ...(dedupKey !== undefined && guard.dedupOrder !== undefined ? { dedupOrder: guard.dedupOrder } : {}),
    ...(guard.duplicates === undefined ? {} : { duplicates: guard.duplicates }),
    aamInbound,
    ...(aamInbound && config.aamInbound.idColumn !== undefined ? { idColumn: config.aamInbound.idColumn } : {}),
    writeInfo: files.writeInfo,
    gzip: files.gzip,
    ...(config.transport.tmpDir === undefined ? {} : { tmpDir: config.transport.tmpDir }),
  };
}

/** The input fields the workers report per written record, and each role's position among them. */
export interface ProbePlan {
  /** Input field indexes, each once: ChunkPlan.probes. */
  readonly fields: readonly number[];
  /** Positions of the dedup key's columns. */
  readonly key: readonly number[];
  readonly order?: number;
  readonly partition?: number;
  readonly id?: number;
}

/**
 * Column names are matched as the header gives them, trimmed (as the ops' columns are). A name
 * the header lacks is a configuration error naming the option (exit 2, before any output).
 */
export function probePlan(settings: RouteSettings, columns: readonly string[]): ProbePlan {
  const fields: number[] = [];
  const trimmed = columns.map((c) => c.trim());
  const probe = (option: string, name: string): number => {
    const field = trimmed.indexOf(name.trim());
    if (field < 0) throw new ConfigError(`${option}: no column "${name}" in the input (columns: ${columns.join(', ')})`, option.slice(2));
    const at = fields.indexOf(field);
    if (at >= 0) return at;
    fields.push(field);
    return fields.length - 1;
  };
  const key = (settings.dedupKey ?? []).map((name) => probe('--dedup-key', name));
  const order = settings.dedupOrder === undefined ? undefined : probe('--dedup-order', settings.dedupOrder);
  const partition = settings.partitionBy === undefined ? undefined : probe('--partition-by', settings.partitionBy);
  // AAM inbound's ID is the --id-column, or the input's first column (as the writer takes it).
  const id = settings.aamInbound ? (settings.idColumn === undefined ? probeField(fields, 0) : probe('--id-column', settings.idColumn)) : undefined;
  return { fields, key, ...(order === undefined ? {} : { order }), ...(partition === undefined ? {} : { partition }), ...(id === undefined ? {} : { id }) };
}

function probeField(fields: number[], field: number): number {
  const at = fields.indexOf(field);
  if (at >= 0) return at;
  fields.push(field);
  return fields.length - 1;
}

/**
 * What an import-audience run matches and writes: the data sources in the order they are tried
 * (issue 12: the one --alias names, else the one whose dpid the input files' names carry, else
 * all of them from the highest priority down) and the output's columns,
 * `id,<profiles.id>,data_source,segments,removed_segments,<--fields...>`, as the converting
 * path's plan with the lookup column on the incoming IDs.
 */
import { parseFileName } from '../../batch/file-name.js';
import { ConfigError } from '../../errors/errors.js';
import { encodeText } from '../../formats/csv/writer-rows.js';
import type { OutputDesign, OutputInput } from '../../pipeline/plan-output.js';
import { LOOKUP_LABEL, type ColumnOp, type LookupParams, type OutputField, type OutputPlan } from '../../protocol/messages.js';
import type { ReconcileJob } from '../job-types.js';
import { byPriority } from '../job-types.js';

/** At most this many --fields (the Campaign destination maps at most 20 fields). */
export const MAX_FIELDS = 20;
const COMMA = 0x2c;
const QUOTE = 0x22;
const CSV_DIALECT = { delimiter: COMMA, quote: QUOTE, escape: QUOTE };

export interface SourceChoice {
  /** Source numbers (job order) in the order they are tried. */
  readonly order: readonly number[];
  readonly by: 'alias' | 'dpid' | 'priority';
}

/** The data source --alias names; a ConfigError listing the aliases when none has it. */
export function sourceByAlias(job: ReconcileJob, alias: string): number {
  const i = job.dataSources.findIndex((s) => s.alias === alias);
  if (i < 0) throw new ConfigError(`--alias: no data source of the job has the alias '${alias}' (aliases: ${job.dataSources.map((s) => s.alias).join(', ')})`, 'alias');
  return i;
}

/** The sources to try for input files named `names`. Files that name different data sources cannot share one run. */
export function chooseSources(job: ReconcileJob, alias: string | undefined, names: readonly string[]): SourceChoice {
  if (alias !== undefined) return { order: [sourceByAlias(job, alias)], by: 'alias' };
  const named = new Set<number | undefined>();
  for (const name of names) {
    const dpid = parseFileName(name)?.dpid;
    const i = dpid === undefined ? -1 : job.dataSources.findIndex((s) => s.dpid === dpid);
    named.add(i < 0 ? undefined : i);
  }
  if (named.size > 1) {
    const which = [...named].map((i) => (i === undefined ? 'none' : job.dataSources[i].alias)).join(', ');
    throw new ConfigError(`--in: the input files' names point to different data sources (${which}): import them in separate runs, or give --alias`, 'alias');
  }
  const [only] = named;
  if (only !== undefined) return { order: [only], by: 'dpid' };
  return { order: byPriority(job), by: 'priority' };
}

export interface ImportColumns {
  /** The input column of the incoming IDs (aam-outbound: `id`). */
  readonly idColumn: string;
  readonly segmentsColumn?: string;
  readonly removedSegmentsColumn?: string;
  /** profiles.fields to write after the fixed columns. */
  readonly fields: readonly string[];
}

/** --fields: each one a kept field of the job (profiles.fields), at most MAX_FIELDS, none twice. */
export function checkFields(job: ReconcileJob, fields: readonly string[]): void {
  if (fields.length > MAX_FIELDS) throw new ConfigError(`--fields: ${fields.length} fields, over the limit of ${MAX_FIELDS}`, 'fields');
  for (const [i, f] of fields.entries()) {
    if (!job.profiles.fields.includes(f)) {
      throw new ConfigError(`--fields: '${f}' is not a kept field of the job (profiles.fields: ${job.profiles.fields.join(', ') || 'none'})`, 'fields');
    }
    if (fields.indexOf(f) !== i) throw new ConfigError(`--fields: '${f}' is given twice`, 'fields');
  }
}

/** The lookup column and the output, once the input's columns are known. */
export function importPlan(
  job: ReconcileJob,
  input: OutputInput,
  cols: ImportColumns,
  lookup: Pick<LookupParams, 'sources' | 'defaultCountry' | 'keepUnmatched'>,
): { columns: ColumnOp[]; design: OutputDesign } {
  const find = (name: string, option: string): number => {
    const trimmed = input.columns.map((c) => c.trim());
    const i = trimmed.indexOf(name.trim());
    if (i < 0) throw new ConfigError(`--${option}: column '${name}' is not in the input (columns: ${input.columns.join(', ')})`, option);
    if (trimmed.indexOf(name.trim(), i + 1) >= 0) throw new ConfigError(`--${option}: column '${name}' appears more than once in the header`, option);
    return i;
  };
  const id = find(cols.idColumn, 'id-column');
  const segments = cols.segmentsColumn === undefined ? undefined : find(cols.segmentsColumn, 'segments-column');
  const removed = cols.removedSegmentsColumn === undefined ? undefined : find(cols.removedSegmentsColumn, 'segments-column');
  const params: LookupParams = { ...lookup, labels: job.dataSources.map((s) => s.label) };
  const columns: ColumnOp[] = [{ index: id, name: input.columns[id], op: 'lookup', params: { lookup: params } }];
  const empty: OutputField = { kind: 'constant', value: '' };
  const fields: OutputField[] = [
    { kind: 'input', index: id },
    { kind: 'lookup', field: 0 },
    // One source tried: every row written is its match, so its label is a constant (encoded once, not per row).
    lookup.sources.length === 1 ? { kind: 'constant', value: job.dataSources[lookup.sources[0].index].label } : { kind: 'lookup', field: LOOKUP_LABEL },
    segments === undefined ? empty : { kind: 'input', index: segments },
    removed === undefined ? empty : { kind: 'input', index: removed },
    ...cols.fields.map((f): OutputField => ({ kind: 'lookup', field: 1 + job.profiles.fields.indexOf(f) })),
  ];
  const names = ['id', job.profiles.id, 'data_source', 'segments', 'removed_segments', ...cols.fields];
  const s = input.settings;
  const copyFields = s.delimiter === COMMA && s.quote === QUOTE && s.escape === QUOTE;
  const plan: OutputPlan = { format: { name: 'csv', ...CSV_DIALECT }, fields, copyFields, mandatory: [] };
  const header = Buffer.concat([...names.flatMap((n, i) => (i > 0 ? [Buffer.from([COMMA]), encodeText(n, CSV_DIALECT, false)] : [encodeText(n, CSV_DIALECT, false)])), Buffer.from('\n')]);
  return { columns, design: { plan, header, names } };
}

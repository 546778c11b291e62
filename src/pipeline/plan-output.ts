/**
 * What the output is made of, from --to, --select, --mandatory, --membership-status and the AAM
 * inbound options: the converting path's plan for the workers (ChunkPlan.output) and the header
 * line, or nothing when the replacing path writes the output as before issue 11 (the input's own
 * dialect, every column, no new option). Column names are compared trimmed, as planColumns does;
 * every unknown or ambiguous column, and a field count over --max-fields, is a configuration
 * error (exit 2) before any output exists.
 */
import type { ProcessConfig } from '../config/types.js';
import { ConfigError } from '../errors/errors.js';
import type { FormatName } from '../formats/registry.js';
import { AEP_DIALECT } from '../formats/aep-csv/writer.js';
import { encodeText } from '../formats/csv/writer-rows.js';
import type { Dialect } from '../formats/csv/scan.js';
import { textTokenShape, TOKEN_INVALID } from '../formats/aam-inbound/tokens.js';
import type { ColumnOp, FormatInit, OutputField, OutputPlan } from '../protocol/messages.js';
import type { Logger } from '../util/logger.js';

/** The Campaign destination's mandatory column (DOMAIN.md: AEP batch exports). */
export const MEMBERSHIP_STATUS = 'segmentMembershipStatus';

const QUOTE = 0x22;
const LF_BYTE = Buffer.from('\n');

export interface OutputInput {
  /** The input's column names: its header's, or its format's (a headerless format). */
  readonly columns: readonly string[];
  /** The input's header record as it came (no line end), when it has one. */
  readonly headerBytes?: Buffer;
  /** The input format's worker settings (a CSV dialect's bytes are compared with the output's). */
  readonly settings: FormatInit;
}

export interface OutputDesign {
  readonly plan: OutputPlan;
  /** What the output starts with (LF included); undefined for a headerless output (AAM inbound). */
  readonly header: Buffer | undefined;
  /** The output's column names in order (CSV and AEP outputs). */
  readonly names: readonly string[];
}

export interface PlanOutputOptions {
  /** A converting plan even when no option asks for one: routing needs one for its probes. */
  readonly force?: boolean;
  readonly log?: Logger;
}

/** Undefined: the replacing path (the output is the input with its transformed fields replaced). */
export function planOutput(config: ProcessConfig, input: OutputInput, columns: readonly ColumnOp[], options: PlanOutputOptions = {}): OutputDesign | undefined {
  if (!options.force && !needsConverting(config)) return undefined;
  const find = columnFinder(input.columns);
  const mandatory = config.guardrails.mandatory.map((name) => find(name, 'mandatory'));
  if (config.to === 'aam-inbound') return aamDesign(config, find, columns, mandatory);
  const dialect = outputDialect(config.to, config);
  const aep = config.to === 'aep-csv';
  const chosen = config.select ?? input.columns.map((column) => ({ column, as: aep ? column.trim().replaceAll('.', '_') : column }));
  const fields: OutputField[] = [];
  const names: string[] = [];
  const seen = new Set<number>();
  for (const { column, as } of chosen) {
    const index = find(column, 'select');
    if (seen.has(index)) throw new ConfigError(`--select: column '${column}' is selected twice`, 'select');
    seen.add(index);
    if (names.includes(as)) throw new ConfigError(`--select: two output columns are named '${as}'`, 'select');
    fields.push({ kind: 'input', index });
    names.push(as);
  }
  const status = config.guardrails.membershipStatus;
  if (status !== undefined && !names.includes(MEMBERSHIP_STATUS)) {
    fields.push({ kind: 'constant', value: status });
    names.push(MEMBERSHIP_STATUS);
  }
  if (aep) {
    const counted = names.filter((n) => n !== MEMBERSHIP_STATUS).length;
    if (counted > config.guardrails.maxFields) {
      throw new ConfigError(`--max-fields: the output has ${counted} fields (not counting ${MEMBERSHIP_STATUS}), over the limit of ${config.guardrails.maxFields} (the Campaign destination maps at most 20): pick fewer with --select or raise --max-fields`, 'max-fields');
    }
    if (!names.includes(MEMBERSHIP_STATUS)) {
      options.log?.warn({ event: 'aep_membership_status_missing' }, `--to aep-csv: the output has no ${MEMBERSHIP_STATUS} column, which the Campaign destination requires: add it with --membership-status realized|exited`);
    }
  }
  const copyFields = sameDialect(input.settings, dialect);
  const plan: OutputPlan = { format: { name: config.to, delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape }, fields, copyFields, mandatory };
  // The header as it came when nothing about it changes: `--from aep-csv --to aep-csv` is byte for byte.
  const unchanged = copyFields && input.headerBytes !== undefined && names.length === input.columns.length && names.every((n, i) => n === input.columns[i]);
  const header = unchanged ? Buffer.concat([input.headerBytes!, LF_BYTE]) : Buffer.concat([...names.flatMap((n, i) => (i > 0 ? [Buffer.from([dialect.delimiter]), encodeText(n, dialect, aep)] : [encodeText(n, dialect, aep)])), LF_BYTE]);
  return { plan, header, names };
}

/** Whether an option asks for more than the replacing path does. */
function needsConverting(config: ProcessConfig): boolean {
  return (
    config.to !== config.from ||
    config.to === 'aep-csv' ||
    config.to === 'aam-inbound' ||
    config.select !== undefined ||
    config.guardrails.mandatory.length > 0 ||
    config.guardrails.membershipStatus !== undefined
  );
}

function outputDialect(to: FormatName, config: ProcessConfig): Dialect {
  if (to === 'aep-csv') return AEP_DIALECT;
  if (to === 'csv') return { delimiter: config.delimiter, quote: QUOTE, escape: config.escape };
  throw new ConfigError(`--to ${to}: this format can be read, not written (write csv, aep-csv or aam-inbound)`, 'to');
}

function sameDialect(settings: FormatInit, d: Dialect): boolean {
  return settings.delimiter === d.delimiter && settings.quote === d.quote && settings.escape === d.escape;
}

type Finder = (name: string, option: string) => number;

function columnFinder(header: readonly string[]): Finder {
  const trimmed = header.map((h) => h.trim());
  return (name, option) => {
    const key = name.trim();
    const first = trimmed.indexOf(key);
    if (first < 0) throw new ConfigError(`--${option}: column '${printable(name)}' is not in the input (columns: ${header.map(printable).join(', ')})`, option);
    if (trimmed.indexOf(key, first + 1) >= 0) throw new ConfigError(`--${option}: column '${printable(name)}' appears more than once in the header (names compared trimmed)`, option);
    return first;
  };
}

function aamDesign(config: ProcessConfig, find: Finder, columns: readonly ColumnOp[], mandatory: number[]): OutputDesign {
  const aam = config.aamInbound;
  if (config.select !== undefined) throw new ConfigError('--select picks CSV columns: an AAM inbound row is made of --id-column, --trait, --traits-column, --removed-traits-column and --signal', 'select');
  if (config.guardrails.membershipStatus !== undefined) throw new ConfigError('--membership-status adds a CSV column: it does not apply to --to aam-inbound', 'membership-status');
  if (aam.idColumn === undefined) throw new ConfigError('--to aam-inbound needs --id-column <column>: the column of the user IDs', 'id-column');
  if (aam.traits.length === 0 && aam.traitsColumn === undefined && aam.removedTraitsColumn === undefined && aam.signals.length === 0) {
    throw new ConfigError('--to aam-inbound needs traits: --trait <token>, --traits-column <column>, --removed-traits-column <column> or --signal <column>', 'trait');
  }
  for (const t of aam.traits) {
    if (textTokenShape(t) === TOKEN_INVALID) throw new ConfigError(`--trait '${printable(t)}' is not an AAM trait token (d_sid=<id>, d_unsid=<id>, <id>, <id>:0, <id>:-1 or key=value)`, 'trait');
  }
  const transformed = new Set(columns.map((c) => c.index));
  const list = (name: string | undefined, option: string): number | undefined => {
    if (name === undefined) return undefined;
    const index = find(name, option);
    if (transformed.has(index)) throw new ConfigError(`--${option}: column '${printable(name)}' is transformed: a trait list is written as it is, give the transform to another column`, option);
    return index;
  };
  const id = find(aam.idColumn, 'id-column');
  const signals = aam.signals.map((name) => {
    if (/["\t\r\n]/.test(name) || name.trim() === '') throw new ConfigError(`--signal '${printable(name)}': a signal's name cannot be empty or hold a quote, TAB or line break`, 'signal');
    return { index: find(name, 'signal'), name: name.trim() };
  });
  // A transformed value has one place in the output (its slot is filled once): written twice, one copy would stay unfilled.
  signals.forEach((signal, i) => {
    if (signals.findIndex((s) => s.index === signal.index) !== i) throw new ConfigError(`--signal '${printable(signal.name)}' is given twice`, 'signal');
    if (signal.index === id && transformed.has(id)) throw new ConfigError(`--signal '${printable(signal.name)}' is the transformed --id-column: a transformed column is written once`, 'signal');
  });
  const plan: OutputPlan = {
    format: { name: 'aam-inbound' },
    fields: [],
    copyFields: false,
    mandatory,
    aam: {
      id,
      traits: aam.traits.map((t) => t.trim()),
      ...(aam.traitsColumn !== undefined ? { traitsColumn: list(aam.traitsColumn, 'traits-column') } : {}),
      ...(aam.removedTraitsColumn !== undefined ? { removedTraitsColumn: list(aam.removedTraitsColumn, 'removed-traits-column') } : {}),
      signals,
    },
  };
  return { plan, header: undefined, names: [] };
}

/** Control characters shown as escapes, never written raw to a terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

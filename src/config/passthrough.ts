/**
 * A run that would copy its input unchanged is almost always a forgotten `--hash`: the output
 * would carry the identities in clear text. It runs only when `--passthrough` says it is meant.
 */
import { ConfigError } from '../errors/errors.js';
import { optionOf } from './ops.js';
import { DEFAULT_KEY, type ProcessConfig } from './types.js';

/**
 * What the run changes in its data, one entry a change; empty means the output would be the
 * input. Format conversion, split, partition, dedup and filter add their entries here.
 */
export function changesOf(config: Pick<ProcessConfig, 'ops'> & Partial<Pick<ProcessConfig, 'from' | 'to' | 'select' | 'guardrails' | 'files'>>): string[] {
  const changes = config.ops.map(({ column, op, params }) => {
    const option = optionOf(op);
    if (option === 'hash' || option === 'id-type') return `--${option} ${column}=${op}`;
    return `--${op} ${column}${params.key === DEFAULT_KEY ? '' : `=${params.key}`}`;
  });
  if (config.from !== undefined && config.to !== undefined && config.from !== config.to) changes.push(`--from ${config.from} --to ${config.to}`);
  if (config.select) changes.push('--select');
  if (config.guardrails?.dedupKey) changes.push('--dedup-key');
  if (config.guardrails?.mandatory.length) changes.push('--mandatory');
  if (config.guardrails?.membershipStatus) changes.push('--membership-status');
  if (config.files?.partitionBy) changes.push('--partition-by');
  return changes;
}

export function checkPassthrough(config: Pick<ProcessConfig, 'ops' | 'passthrough'> & Partial<ProcessConfig>): void {
  if (config.passthrough || changesOf(config).length > 0) return;
  throw new ConfigError('nothing to do: without --hash, --encrypt or --decrypt the output would be a copy of the input; pass --passthrough if a copy is what you want', 'passthrough');
}

/**
 * A run that would copy its input unchanged is almost always a forgotten `--hash`: the output
 * would carry the identities in clear text. It runs only when `--passthrough` says it is meant.
 */
import { ConfigError } from '../errors/errors.js';
import { DEFAULT_KEY, type ProcessConfig } from './types.js';

/**
 * What the run changes in its data, one entry a change; empty means the output would be the
 * input. Format conversion, split, partition, dedup and filter add their entries here.
 */
export function changesOf(config: Pick<ProcessConfig, 'ops'>): string[] {
  return config.ops.map(({ column, op, params }) =>
    op === 'encrypt' || op === 'decrypt' ? `--${op} ${column}${params.key === DEFAULT_KEY ? '' : `=${params.key}`}` : `--hash ${column}=${op}`,
  );
}

export function checkPassthrough(config: Pick<ProcessConfig, 'ops' | 'passthrough'>): void {
  if (config.passthrough || changesOf(config).length > 0) return;
  throw new ConfigError('nothing to do: without --hash, --encrypt or --decrypt the output would be a copy of the input; pass --passthrough if a copy is what you want', 'passthrough');
}

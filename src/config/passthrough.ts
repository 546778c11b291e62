/**
 * A run that would copy its input unchanged is almost always a forgotten `--hash`: the output
 * would carry the identities in clear text. It runs only when `--passthrough` says it is meant.
 */
import { ConfigError } from '../errors/errors.js';
import type { ProcessConfig } from './types.js';

/**
 * What the run changes in its data, one entry a change; empty means the output would be the
 * input. Format conversion, split, partition, dedup and filter add their entries here.
 */
export function changesOf(config: Pick<ProcessConfig, 'hash' | 'encrypt' | 'decrypt'>): string[] {
  return [
    ...config.hash.map((h) => `--hash ${h.column}=${h.method}`),
    ...config.encrypt.map((c) => `--encrypt ${c}`),
    ...config.decrypt.map((c) => `--decrypt ${c}`),
  ];
}

export function checkPassthrough(config: Pick<ProcessConfig, 'hash' | 'encrypt' | 'decrypt' | 'passthrough'>): void {
  if (config.passthrough || changesOf(config).length > 0) return;
  throw new ConfigError('nothing to do: without --hash, --encrypt or --decrypt the output would be a copy of the input; pass --passthrough if a copy is what you want', 'passthrough');
}

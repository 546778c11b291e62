/**
 * Maps the configured transforms onto header columns, each with the parameters its op needs (the
 * key index, the ciphertext encoding, the default country), and lists the run's AES keys in the
 * order those indexes refer to. Header names are compared trimmed
 * (` email ` is the column `--hash email=...` names: exports pad names more often than they
 * mean them); the header line itself is written as it came. A missing or ambiguous column is a
 * configuration error.
 */
import { ConfigError } from '../errors/errors.js';
import type { ProcessConfig } from '../config/types.js';
import { optionOf } from '../config/ops.js';
import type { AesKeyInit, ColumnOp, OpName, OpParams, WorkerInit } from '../protocol/messages.js';
import type { Logger } from '../util/logger.js';

interface Wanted {
  readonly name: string;
  readonly op: OpName;
  readonly option: string;
  readonly params: OpParams;
}

/** Delimiters people pass for `,` by mistake, as `--delimiter` spells them. */
const OTHER_DELIMITERS: ReadonlyArray<[char: string, flag: string]> = [[';', ';'], ['\t', 'tab'], ['|', '|']];

export function planColumns(config: ProcessConfig, header: readonly string[], log?: Logger): ColumnOp[] {
  const wanted = wantedOps(config);
  const trimmed = header.map((h) => h.trim());
  const padded: string[] = [];
  const columns = wanted.map(({ name, op, option, params }) => {
    const key = name.trim();
    const first = trimmed.indexOf(key);
    if (first < 0) throw new ConfigError(`--${option}: column '${printable(name)}' is not in the header (columns: ${header.map(printable).join(', ')})${delimiterHint(header)}`, option);
    if (trimmed.indexOf(key, first + 1) >= 0) throw new ConfigError(`--${option}: column '${printable(name)}' appears more than once in the header (names compared trimmed)`, option);
    if (header[first] !== name) padded.push(header[first]);
    return { index: first, name, op, params };
  });
  if (padded.length > 0) {
    log?.info({ event: 'header_names_trimmed', columns: padded }, `header names compared trimmed: ${padded.map((h) => `'${printable(h)}'`).join(', ')} matched without the spaces around them; the output keeps the header as it is`);
  }
  return columns;
}

/** The run's AES keys, every configured one in the configuration's order: `OpParams.key` is an index into this list. */
export function planKeys(config: ProcessConfig): AesKeyInit[] {
  const { keys } = config.secrets;
  return Object.keys(keys).map((name) => keys[name]);
}

/**
 * How the workers hash: decided here, on the main side, so that the worker reads no environment
 * (`js` compares the native batch with `crypto.hash`).
 */
export function sha256Implementation(env: NodeJS.ProcessEnv = process.env): WorkerInit['sha256'] {
  return env.AUDIENCE_PIPE_SHA256_BATCH === 'js' ? 'js' : 'native';
}

/** The configured ops in output order (hashes, then encrypts, then decrypts, as the options list them), key names as indexes. */
function wantedOps(config: ProcessConfig): Wanted[] {
  const keyNames = Object.keys(config.secrets.keys);
  return config.ops.map(({ column, op, params }) => {
    const { key, ...rest } = params;
    const option = optionOf(op);
    return { name: column, op, option, params: key === undefined ? rest : { key: keyNames.indexOf(key), ...rest } };
  });
}

/** A header read with the wrong delimiter is one column holding the real delimiters. */
function delimiterHint(header: readonly string[]): string {
  if (header.length !== 1) return '';
  const found = OTHER_DELIMITERS.find(([c]) => header[0].includes(c));
  return found ? `; the header is one column containing '${printable(found[0])}': is it the delimiter? (--delimiter ${found[1] === '|' || found[1] === ';' ? `'${found[1]}'` : found[1]})` : '';
}

/** Control characters (NUL of a UTF-16 file, TAB) shown as escapes, never written raw to a terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

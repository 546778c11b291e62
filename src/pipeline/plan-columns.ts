/**
 * Maps the configured transforms onto header columns. Header names are compared trimmed
 * (` email ` is the column `--hash email=...` names: exports pad names more often than they
 * mean them); the header line itself is written as it came. A missing or ambiguous column is a
 * configuration error.
 */
import { ConfigError } from '../errors/errors.js';
import type { ProcessConfig } from '../config/types.js';
import { Op, type ColumnOp } from '../protocol/messages.js';
import type { Logger } from '../util/logger.js';

const METHOD_OPS: Record<string, Op> = {
  email_lc_sha256: Op.EmailSha256,
  phone_sha256: Op.PhoneSha256,
  phone_sha256_e164: Op.PhoneSha256E164,
  sha256: Op.Sha256,
  sha256_lc: Op.Sha256Lc,
};

/** Delimiters people pass for `,` by mistake, as `--delimiter` spells them. */
const OTHER_DELIMITERS: ReadonlyArray<[char: string, flag: string]> = [[';', ';'], ['\t', 'tab'], ['|', '|']];

export function planColumns(config: ProcessConfig, header: readonly string[], log?: Logger): ColumnOp[] {
  const wanted: Array<{ name: string; op: Op; option: string }> = [
    ...config.hash.map((h) => ({ name: h.column, op: METHOD_OPS[h.method], option: 'hash' })),
    ...config.encrypt.map((name) => ({ name, op: Op.Encrypt, option: 'encrypt' })),
    ...config.decrypt.map((name) => ({ name, op: Op.Decrypt, option: 'decrypt' })),
  ];
  const trimmed = header.map((h) => h.trim());
  const padded: string[] = [];
  const columns = wanted.map(({ name, op, option }) => {
    const key = name.trim();
    const first = trimmed.indexOf(key);
    if (first < 0) throw new ConfigError(`--${option}: column '${printable(name)}' is not in the header (columns: ${header.map(printable).join(', ')})${delimiterHint(header)}`, option);
    if (trimmed.indexOf(key, first + 1) >= 0) throw new ConfigError(`--${option}: column '${printable(name)}' appears more than once in the header (names compared trimmed)`, option);
    if (header[first] !== name) padded.push(header[first]);
    return { index: first, name, op };
  });
  if (padded.length > 0) {
    log?.info({ event: 'header_names_trimmed', columns: padded }, `header names compared trimmed: ${padded.map((h) => `'${printable(h)}'`).join(', ')} matched without the spaces around them; the output keeps the header as it is`);
  }
  return columns;
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

/**
 * The transform plan of a run as configuration: one OpSpec a transformed column, with the
 * parameters its op reads (the key by name, the ciphertext encoding, the phone country), so the
 * worker side needs no run-wide settings and several keys can serve one run.
 */
import { ConfigError } from '../errors/errors.js';
import { DEFAULT_KEY, type HashSpec, type IdType, type OpParams, type OpSpec } from './types.js';

const PHONE_OPS = new Set(['phone_sha256', 'phone_sha256_e164']);

export interface OpOptions {
  readonly hash: readonly HashSpec[];
  readonly encrypt: readonly string[];
  readonly decrypt: readonly string[];
  /** `--id-type`: validated and normalised raw identities. */
  readonly idType?: readonly { readonly column: string; readonly type: IdType }[];
  readonly cipherEncoding: 'hex' | 'base64';
  readonly defaultCountry?: string;
  /** The named keys' own encodings, by name (undefined: --cipher-encoding). */
  readonly keys: Readonly<Record<string, { readonly cipherEncoding?: 'hex' | 'base64' }>>;
}

/**
 * `<column>=<key name>` names a key of `keys`; anything else is a column of the unnamed key,
 * so a column whose name contains `=` keeps meaning what it meant before keys had names.
 */
function aesColumn(spec: string, keys: OpOptions['keys']): { column: string; key: string } {
  const eq = spec.lastIndexOf('=');
  const name = spec.slice(eq + 1);
  if (eq > 0 && Object.hasOwn(keys, name)) return { column: spec.slice(0, eq), key: name };
  return { column: spec, key: DEFAULT_KEY };
}

/** Hashes, then encrypts, then decrypts, then ID types, each in flag order; a column named twice is refused. */
export function buildOps(o: OpOptions): OpSpec[] {
  const country: OpParams = o.defaultCountry === undefined ? {} : { defaultCountry: o.defaultCountry };
  const aes = (op: 'encrypt' | 'decrypt') => (spec: string): OpSpec => {
    const { column, key } = aesColumn(spec, o.keys);
    return { column, op, params: { key, encoding: o.keys[key]?.cipherEncoding ?? o.cipherEncoding } };
  };
  const ops: OpSpec[] = [
    ...o.hash.map((h): OpSpec => ({ column: h.column, op: h.method, params: PHONE_OPS.has(h.method) ? country : {} })),
    ...o.encrypt.map(aes('encrypt')),
    ...o.decrypt.map(aes('decrypt')),
    ...(o.idType ?? []).map((t): OpSpec => ({ column: t.column, op: t.type, params: {} })),
  ];
  const seen = new Map<string, string>();
  for (const { column, op } of ops) {
    const what = optionOf(op) === 'hash' ? `--hash ${op}` : `--${optionOf(op)}`;
    const prior = seen.get(column);
    if (prior) throw new ConfigError(`column '${column}' is named by two transforms (${prior} and ${what})`, what.split(' ')[0].slice(2));
    seen.set(column, what);
  }
  return ops;
}

/** The flag that gives an op: `hash`, `encrypt`, `decrypt` or `id-type`. */
export function optionOf(op: OpSpec['op']): 'hash' | 'encrypt' | 'decrypt' | 'id-type' {
  if (op === 'encrypt' || op === 'decrypt') return op;
  if (op === 'ecid' || op === 'gaid' || op === 'idfa' || op === 'external_id') return 'id-type';
  return 'hash';
}

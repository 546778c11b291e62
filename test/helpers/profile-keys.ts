/**
 * What a profile index must hold, computed apart from src/: each data source's key per profile
 * from DOMAIN.md's rules written plainly (node:crypto for SHA-256, libphonenumber-js itself for
 * phones), and the first-profile-wins table with its counts.
 */
import { createHash } from 'node:crypto';
import { parsePhoneNumberWithError } from 'libphonenumber-js';

export type KeyRule = 'plain' | 'sha256' | 'sha256_lc' | 'email_lc_sha256' | 'phone_sha256' | 'phone_sha256_e164' | 'aes_email' | 'aes_sms' | 'aes_other';
type Key = string | 'EMPTY' | 'INVALID';

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const HEX64 = /^[0-9a-fA-F]{64}$/;
const validEmail = (v: string): boolean => {
  const parts = v.split('@');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '' && !/\s/.test(v);
};
function e164(v: string): string | undefined {
  const text = v.startsWith('00') ? `+${v.slice(2)}` : v;
  try {
    const p = parsePhoneNumberWithError(text);
    return p.isPossible() ? p.number : undefined;
  } catch {
    return undefined;
  }
}

/** The key a value gives under a rule: hex digest text, or the matched text, or EMPTY / INVALID. */
export function expectedKey(rule: KeyRule, value: string): Key {
  const v = value.trim();
  if (v === '') return 'EMPTY';
  switch (rule) {
    case 'plain':
    case 'aes_other':
      return /^[0-9a-fA-F]+$/.test(v) ? v.toLowerCase() : v;
    case 'sha256':
      return sha(v);
    case 'sha256_lc':
      return sha(v.toLowerCase());
    case 'email_lc_sha256':
      if (HEX64.test(v)) return v.toLowerCase();
      return validEmail(v) ? sha(v.toLowerCase()) : 'INVALID';
    case 'aes_email':
      return validEmail(v) ? v.toLowerCase() : 'INVALID';
    case 'phone_sha256':
    case 'phone_sha256_e164': {
      if (HEX64.test(v)) return v.toLowerCase();
      const n = e164(v);
      return n === undefined ? 'INVALID' : sha(rule === 'phone_sha256' ? n.slice(1) : n);
    }
    case 'aes_sms': {
      const n = e164(v);
      return n === undefined ? 'INVALID' : n.slice(1);
    }
  }
}

export interface ExpectedSource {
  /** key -> the first profile that has it */
  readonly first: Map<string, number>;
  readonly indexed: number;
  readonly duplicates: number;
  readonly empty: number;
  readonly invalid: number;
}

export function expectedSource(rule: KeyRule, values: readonly string[]): ExpectedSource {
  const first = new Map<string, number>();
  let duplicates = 0;
  let empty = 0;
  let invalid = 0;
  values.forEach((value, p) => {
    const k = expectedKey(rule, value);
    if (k === 'EMPTY') empty++;
    else if (k === 'INVALID') invalid++;
    else if (first.has(k)) duplicates++;
    else first.set(k, p);
  });
  return { first, indexed: first.size, duplicates, empty, invalid };
}

/** Whether a rule's index holds digests (an incoming ID is then 64 hex digits). */
export const isDigestRule = (rule: KeyRule): boolean => rule.includes('sha256');

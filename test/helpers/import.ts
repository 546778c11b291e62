/**
 * import-audience tests: a job file over a generated profile table (one data source per
 * protection kind, test/helpers/reconcile.ts's SOURCES), incoming IDs as a sender would send
 * them (hashes in either case, AES ciphertexts in the source's encoding, plain IDs), and what the
 * run must write for them, computed apart from src/ (test/helpers/profile-keys.ts's rules).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { expectedKey, expectedSource, isDigestRule, type KeyRule } from './profile-keys.js';
import { prng, profilesCsv, type ProfileRow } from './profiles.js';
import { KEY_HEX, SOURCES } from './reconcile.js';

export const IV = '00112233445566778899aabbccddeeff';
export const FIELDS = ['first_name', 'crm_id'] as const;

/** Writes profiles.csv, k.hex and job.json (the SOURCES, priority 100 - i, alias S<i>, dpid 9000 + i) into `dir`; returns the job's path. */
export function writeJob(dir: string, rows: readonly ProfileRow[], edit: (job: Record<string, unknown>) => void = () => {}): string {
  writeFileSync(join(dir, 'profiles.csv'), profilesCsv(rows));
  writeFileSync(join(dir, 'k.hex'), KEY_HEX);
  const job: Record<string, unknown> = {
    profiles: { path: 'profiles.csv', id: 'recipient_id', email: 'email', phone: 'phone', fields: [...FIELDS] },
    dataSources: SOURCES.map((s, i) => ({ label: `source ${i} (${s.rule})`, alias: `S${i}`, dpid: 9000 + i, type: 'declared', priority: 100 - i, ...s.source })),
  };
  edit(job);
  const path = join(dir, 'job.json');
  writeFileSync(path, JSON.stringify(job, null, 2));
  return path;
}

export function encrypt(plain: string, encoding: 'hex' | 'base64', key = KEY_HEX): string {
  const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(IV, 'hex'));
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString(encoding);
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface Incoming {
  /** As sent: no whitespace (an AAM outbound field). */
  readonly id: string;
  /** AES sources: the plaintext it decrypts to. */
  readonly plain?: string;
}

/** Incoming IDs for source i: one per profile (some of them again), and strangers, and IDs of the wrong shape. */
export function incomingFor(rows: readonly ProfileRow[], i: number, seed: number, encoding?: 'hex' | 'base64'): Incoming[] {
  const { rule, column } = SOURCES[i];
  const r = prng(seed);
  const enc: 'hex' | 'base64' = encoding ?? (rule === 'aes_sms' ? 'base64' : 'hex');
  const out: Incoming[] = [];
  const one = (v: string): Incoming => {
    if (isDigestRule(rule)) {
      const k = expectedKey(rule, v);
      const id = k === 'EMPTY' || k === 'INVALID' ? sha(`nobody${r()}`) : k;
      return { id: r() < 0.5 ? id.toUpperCase() : id };
    }
    if (rule.startsWith('aes')) {
      const plain = rule === 'aes_email' && r() < 0.5 ? v.toUpperCase() : v;
      const ct = encrypt(plain, enc);
      return { id: enc === 'hex' && r() < 0.3 ? ct.toUpperCase() : ct, plain };
    }
    const t = v.trim();
    return { id: /^[0-9a-f]+$/i.test(t) && r() < 0.5 ? t.toUpperCase() : t };
  };
  for (const row of rows) {
    const v = row[column];
    if (!rule.startsWith('aes') && !isDigestRule(rule) && (v.trim() === '' || /\s/.test(v.trim()))) continue;
    if (r() < 0.7) out.push(one(v));
  }
  for (let k = 0; k < 30; k++) {
    if (isDigestRule(rule)) out.push({ id: sha(`stranger${k}`) });
    else if (rule.startsWith('aes')) out.push({ id: encrypt(rule === 'aes_sms' ? `+4420794600${k % 10}${k}` : `stranger${k}@example.org`, enc), plain: rule === 'aes_sms' ? `+4420794600${k % 10}${k}` : `stranger${k}@example.org` });
    else out.push({ id: `stranger-${k}` });
  }
  // Shapes no source of this kind reads: not 64 hex digits, not hex, not base64.
  out.push({ id: 'zz'.repeat(32) }, { id: '0'.repeat(63) }, { id: 'not~hex~or~base64' });
  // Shuffled, seeded.
  for (let k = out.length - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [out[k], out[j]] = [out[j], out[k]];
  }
  return out;
}

export type Reason = 'no_profile' | 'bad_ciphertext' | 'invalid_id';

/** What source i alone answers to an incoming ID, computed apart: the profile number, or the reason. */
export function expectedFor(rows: readonly ProfileRow[], i: number, inc: Incoming, encoding?: 'hex' | 'base64'): number | Reason {
  const { rule, column } = SOURCES[i];
  let byRows = firstKeys.get(rows);
  if (byRows === undefined) firstKeys.set(rows, (byRows = new Map()));
  let first = byRows.get(i);
  if (first === undefined) byRows.set(i, (first = expectedSource(rule, rows.map((row) => row[column])).first));
  return expectedWith(rule, first, inc, encoding);
}
const firstKeys = new WeakMap<readonly ProfileRow[], Map<number, Map<string, number>>>();

export function expectedWith(rule: KeyRule, first: Map<string, number>, inc: Incoming, encoding?: 'hex' | 'base64'): number | Reason {
  const id = inc.id.trim();
  if (id === '') return 'invalid_id';
  if (isDigestRule(rule)) {
    if (!/^[0-9a-f]{64}$/i.test(id)) return 'invalid_id';
    return first.get(id.toLowerCase()) ?? 'no_profile';
  }
  if (rule.startsWith('aes')) {
    const isHex = (encoding ?? (rule === 'aes_sms' ? 'base64' : 'hex')) === 'hex';
    if (isHex ? !/^([0-9a-f]{2})+$/i.test(id) : !/^[A-Za-z0-9+/]+={0,2}$/.test(id) || id.length % 4 !== 0) return 'invalid_id';
    if (inc.plain === undefined) return 'bad_ciphertext';
    const k = expectedKey(rule, inc.plain);
    return k === 'EMPTY' || k === 'INVALID' ? 'no_profile' : first.get(k) ?? 'no_profile';
  }
  const k = expectedKey(rule, id);
  return k === 'EMPTY' || k === 'INVALID' ? 'no_profile' : first.get(k) ?? 'no_profile';
}

/** An AAM outbound file of the IDs: `<id> <segments> [<removed>]`, seeded segments. */
export function aamOutbound(ids: readonly Incoming[], seed: number): { text: string; segments: string[]; removed: string[] } {
  const r = prng(seed);
  const segments: string[] = [];
  const removed: string[] = [];
  const lines = ids.map((inc) => {
    const s = Array.from({ length: 1 + Math.floor(r() * 3) }, () => String(100 + Math.floor(r() * 900))).join(',');
    const rm = r() < 0.5 ? String(100 + Math.floor(r() * 900)) : '';
    segments.push(s);
    removed.push(rm);
    return rm === '' ? `${inc.id} ${s}` : `${inc.id}\t${s}\t${rm}`;
  });
  return { text: lines.join('\n') + '\n', segments, removed };
}

export function readCsv(path: string): string[][] {
  return parse(readFileSync(path), { relax_column_count: false }) as string[][];
}

/** The report's invariant, on every run. */
export function expectAccounted(report: Record<string, unknown>): void {
  const n = (k: string): number => report[k] as number;
  expect(n('recordsIn')).toBe(n('recordsMatched') + n('recordsUnmatched') + n('recordsRejected'));
  expect(n('recordsMatched')).toBe(n('recordsOut'));
  const reasons = report.unmatchedReasons as Record<string, number>;
  expect(reasons.no_profile + reasons.bad_ciphertext + reasons.invalid_id).toBe(n('recordsUnmatched'));
  const sources = (report.reconcile as { dataSources: Array<{ matched: number }> }).dataSources;
  expect(sources.reduce((a, s) => a + s.matched, 0)).toBe(n('recordsMatched'));
}

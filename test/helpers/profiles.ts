/**
 * A seeded profile table for the reconciliation tests, with known kinds of trouble: duplicate
 * keys (the same crm_id, the same e-mail in another case, the same phone written another way),
 * empty and invalid keys, values padded with spaces, quoted fields with commas and quotes,
 * non-ASCII text, e-mails given already hashed. Valid UTF-8 throughout (PostgreSQL takes the
 * same rows). The tests compute what the index must hold from these rows on their own.
 */
import { createHash } from 'node:crypto';

export const PROFILE_COLUMNS = ['recipient_id', 'crm_id', 'email', 'phone', 'ecid', 'first_name'] as const;
export type ProfileRow = Record<(typeof PROFILE_COLUMNS)[number], string>;

/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ann', 'Bob', 'Zoë', 'José', "O'Brien, Jr.", 'Say "Hi"', 'Li', 'Émile', 'Kate'];
const PHONES = [(d: string) => `+1 415 555 ${d}`, (d: string) => `+44 20 7946 ${d}`, (d: string) => `0033 6 12 34 ${d.slice(0, 2)} ${d.slice(2)}`, (d: string) => `+14155550${d.slice(1)}`];

export function generateProfiles(n: number, seed: number): ProfileRow[] {
  const r = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const digits = (k: number) => Array.from({ length: k }, () => Math.floor(r() * 10)).join('');
  const rows: ProfileRow[] = [];
  const earlier = (col: keyof ProfileRow): string | undefined => {
    for (let tries = 0; tries < 5 && rows.length > 0; tries++) {
      const v = rows[Math.floor(r() * rows.length)][col];
      if (v.trim() !== '') return v;
    }
    return undefined;
  };
  for (let i = 0; i < n; i++) {
    const x = r();
    // Hex-only IDs (lowercase and mixed case) compare case-insensitively when held as text.
    const hexId = () => Array.from({ length: 10 }, () => '0123456789abcdefABCDEF'[Math.floor(r() * (x < 0.2 ? 16 : 22))]).join('');
    const crm = x < 0.08 ? '' : x < 0.13 ? earlier('crm_id') ?? 'CRM0' : x < 0.16 ? `  CRM${digits(6)} ` : x < 0.18 ? `crm${digits(3)}` : x < 0.22 ? hexId() : `CRM${digits(6)}`;
    const first = pick(FIRST);
    const y = r();
    let email: string;
    if (y < 0.05) email = '';
    else if (y < 0.08) email = pick(['no-at-sign.example.com', 'a b@example.com', '@example.com', 'x@@y.com']);
    else if (y < 0.13) email = (earlier('email') ?? 'a@b.co').toUpperCase();
    else if (y < 0.15) email = `josé.${digits(3)}@exämple.com`;
    else if (y < 0.17) email = createHash('sha256').update(`h${digits(4)}@example.com`).digest('hex')[r() < 0.5 ? 'toUpperCase' : 'toLowerCase']();
    else email = `${r() < 0.3 ? ' ' : ''}${first.replace(/[^A-Za-z]/g, '') || 'x'}.${digits(4)}@Example.com${r() < 0.3 ? '  ' : ''}`;
    const z = r();
    let phone: string;
    if (z < 0.05) phone = '';
    else if (z < 0.08) phone = pick(['12', 'call me', '+999 1']);
    else if (z < 0.11) phone = `06${digits(8)}`; // national: no country to read it with
    else if (z < 0.15) phone = (earlier('phone') ?? '+14155550100').replace(/ /g, '');
    else phone = pick(PHONES)(digits(4));
    const w = r();
    const ecid = w < 0.05 ? '' : w < 0.08 ? earlier('ecid') ?? '1'.repeat(38) : digits(38);
    rows.push({ recipient_id: `R${i + 1}`, crm_id: crm, email, phone, ecid, first_name: first });
  }
  return rows;
}

/** A value as CSV: quoted when it must be, and now and then when it need not be. */
function field(v: string, r: () => number): string {
  if (/[",\r\n]/.test(v) || r() < 0.1) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

/** The rows as CSV with a header; `crlf` for CRLF line ends. */
export function profilesCsv(rows: readonly ProfileRow[], opts: { seed?: number; crlf?: boolean } = {}): string {
  const r = prng(opts.seed ?? 7);
  const eol = opts.crlf ? '\r\n' : '\n';
  return [PROFILE_COLUMNS.join(','), ...rows.map((row) => PROFILE_COLUMNS.map((c) => field(row[c], r)).join(','))].join(eol) + eol;
}

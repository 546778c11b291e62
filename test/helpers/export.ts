/**
 * The export tests' job file and what an export must write, computed apart from src/: each data
 * source's exported ID per profile from DOMAIN.md's rules (node:crypto for SHA-256 and AES-CBC,
 * libphonenumber-js for phones, through test/helpers/profile-keys.ts), or the reason the profile
 * has no usable key.
 */
import { createCipheriv } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedKey } from './profile-keys.js';
import { PROFILE_COLUMNS, type ProfileRow } from './profiles.js';
import { KEY_HEX, SOURCES } from './reconcile.js';

export const IV = '00112233445566778899aabbccddeeff';
export const DPID_BASE = 7000;
export const TS = 1700000000;

export const aes = (plain: string, encoding: 'hex' | 'base64', key = KEY_HEX, iv = IV): string => {
  const c = createCipheriv(`aes-${key.length * 4}-cbc`, Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'));
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString(encoding);
};

/** Writes k.hex and job.json (one source per protection kind, alias S<i>, dpid DPID_BASE + i) in `dir`; returns the job's path. */
export function writeJob(dir: string, table: Record<string, unknown>): string {
  writeFileSync(join(dir, 'k.hex'), KEY_HEX);
  const job = {
    profiles: { ...table, id: 'recipient_id', email: 'email', phone: 'phone', fields: ['first_name'] },
    dataSources: SOURCES.map((s, i) => ({ label: `source ${i} (${s.rule})`, alias: `S${i}`, dpid: DPID_BASE + i, type: 'declared', priority: 100 - i, ...s.source })),
  };
  const path = join(dir, 'job.json');
  writeFileSync(path, JSON.stringify(job, null, 2));
  return path;
}

export type Expected = { id: string } | { unusable: 'empty' | 'invalid_email' | 'invalid_phone' | 'invalid_id' };

/** What source `i` exports for a profile: its ID in the AAM file, or why it has none. */
export function expectedExport(i: number, row: ProfileRow): Expected {
  const { rule, column } = SOURCES[i];
  const value = row[column];
  const v = value.trim();
  if (v === '') return { unusable: 'empty' };
  const invalid = (): Expected => ({ unusable: column === 'email' ? 'invalid_email' : 'invalid_phone' });
  switch (rule) {
    case 'plain':
      return /[\t:\r\n]/.test(v) ? { unusable: 'invalid_id' } : { id: v };
    case 'aes_other':
      return { id: aes(v, 'hex') };
    case 'aes_email': {
      const k = expectedKey('aes_email', value);
      return k === 'INVALID' ? invalid() : { id: aes(k, 'hex') };
    }
    case 'aes_sms': {
      const k = expectedKey('aes_sms', value);
      // E.164 with its '+': the importer decrypts and reads the number again.
      return k === 'INVALID' ? invalid() : { id: aes(`+${k}`, 'base64') };
    }
    default: {
      const k = expectedKey(rule, value);
      return k === 'INVALID' ? invalid() : { id: k };
    }
  }
}

/** The AAM file's lines and the --unusable file a source's export must give, and its counts. */
export function expectedFiles(i: number, rows: readonly ProfileRow[], trait: string) {
  const lines: string[] = [];
  const unusable: string[] = ['recipient_id,reason'];
  const byReason: Record<string, number> = { empty: 0, invalid_email: 0, invalid_phone: 0, invalid_id: 0 };
  for (const row of rows) {
    const e = expectedExport(i, row);
    if ('id' in e) lines.push(`${e.id}\t${trait}`);
    else {
      unusable.push(`${/[",\r\n]/.test(row.recipient_id) ? `"${row.recipient_id.replaceAll('"', '""')}"` : row.recipient_id},${e.unusable}`);
      byReason[e.unusable]++;
    }
  }
  return { aam: lines.map((l) => `${l}\n`).join(''), unusable: unusable.map((l) => `${l}\n`).join(''), exported: lines.length, byReason };
}

export { PROFILE_COLUMNS };

/**
 * Matching incoming IDs against the index (issue #12, "Matching rules"): sources tried in
 * priority order (or the one an alias names), the first that finds a profile wins; AES IDs (hex
 * and base64) decrypted in a batch and matched on the normalised e-mail / phone / key; a wrong
 * key gives bad_ciphertext counts, not a crash; unmatched IDs get no_profile or invalid_id.
 * Expected profiles come from the independent computation (test/helpers/profile-keys.ts).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { byPriority } from '../src/reconcile/job-types.js';
import { csvFileProfiles } from '../src/reconcile/profiles/csv-file.js';
import { IdMatcher, UNMATCHED_REASONS, type MatchSource } from '../src/worker/lookup-match.js';
import { tempDir } from './helpers/cli.js';
import { expectedKey, expectedSource } from './helpers/profile-keys.js';
import { generateProfiles, prng, profilesCsv } from './helpers/profiles.js';
import { build, KEY_HEX } from './helpers/reconcile.js';
import { parseJob } from '../src/reconcile/job-file.js';
import type { ReconcileJob } from '../src/reconcile/job-types.js';

const { dir, cleanup } = tempDir('ap-match-');
afterAll(cleanup);
const IV = '00112233445566778899aabbccddeeff';
writeFileSync(join(dir, 'k.hex'), KEY_HEX);
const ROWS = generateProfiles(2000, 31);
const path = join(dir, 'profiles.csv');
writeFileSync(path, profilesCsv(ROWS));

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const encrypt = (plain: string, key = KEY_HEX, encoding: 'hex' | 'base64' = 'hex'): string => {
  const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(IV, 'hex'));
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString(encoding);
};

const job: ReconcileJob = parseJob(
  {
    profiles: { path, id: 'recipient_id', email: 'email', phone: 'phone', fields: ['first_name'] },
    dataSources: [
      { label: 'Visitor ID', alias: 'MID', type: 'visitor', key: 'ecid', priority: 1 },
      { label: 'CRM hashed', alias: 'CRM', type: 'declared', key: 'crm_id', protection: { hash: 'sha256' }, priority: 10 },
      { label: 'Encrypted e-mail', alias: 'EMAIL', type: 'declared', key: 'email', protection: { aes: { keyFile: 'k.hex', iv: IV }, channel: 'email' }, priority: 5 },
      { label: 'Encrypted phone', alias: 'SMS', type: 'declared', key: 'phone', protection: { aes: { keyFile: 'k.hex', iv: IV, cipherEncoding: 'base64' }, channel: 'sms' }, priority: 4 },
      { label: 'Encrypted CRM', alias: 'CRMENC', type: 'declared', key: 'crm_id', protection: { aes: { keyFile: 'k.hex', iv: IV }, channel: 'other' }, priority: 3 },
    ],
  },
  { baseDir: dir, env: {} },
);
const matchSources = (order: readonly number[]): MatchSource[] =>
  order.map((index) => {
    const p = job.dataSources[index].protection;
    return p.kind === 'aes' ? { index, aes: { key: p.key, iv: p.iv, encoding: p.encoding } } : { index };
  });

/** The IDs back to back, as a chunk holds them: ID i is bytes[starts[i], ends[i]). */
function packIds(ids: readonly string[]) {
  const bytes = Buffer.from(ids.join(''));
  const starts = new Int32Array(ids.length);
  const ends = new Int32Array(ids.length);
  let at = 0;
  ids.forEach((id, i) => {
    starts[i] = at;
    at += Buffer.byteLength(id);
    ends[i] = at;
  });
  return { bytes, starts, ends };
}

function run(matcher: IdMatcher, ids: readonly string[]) {
  const { bytes, starts, ends } = packIds(ids);
  const r = matcher.match(bytes, starts, ends, ids.length);
  return ids.map((_, i) => ({ profile: r.profiles[i], source: r.sources[i], reason: UNMATCHED_REASONS[r.reasons[i]] }));
}

const firstOf = (rule: Parameters<typeof expectedSource>[0], column: keyof (typeof ROWS)[number]) => expectedSource(rule, ROWS.map((r) => r[column])).first;

describe('matching incoming IDs in priority order', () => {
  it('each kind of ID is matched by its source, the first profile of its key, whatever the case or spaces', async () => {
    const { view } = await build(job, csvFileProfiles(path));
    const order = byPriority(job);
    expect(order).toEqual([1, 2, 3, 4, 0]);
    const matcher = new IdMatcher(view, matchSources(order));
    const crm = firstOf('sha256', 'crm_id');
    const email = firstOf('aes_email', 'email');
    const phone = firstOf('aes_sms', 'phone');
    const other = firstOf('aes_other', 'crm_id');
    const ecid = firstOf('plain', 'ecid');
    const cases: Array<{ id: string; profile: number; source: number }> = [];
    ROWS.forEach((row, p) => {
      const k = expectedKey('sha256', row.crm_id);
      if (p % 5 === 0 && k !== 'EMPTY') cases.push({ id: p % 2 ? k.toUpperCase() : k, profile: crm.get(k) as number, source: 1 });
      const e = expectedKey('aes_email', row.email);
      // The sender encrypted the address as it had it (case, spaces): it decrypts and is normalised.
      if (p % 5 === 1 && e !== 'EMPTY' && e !== 'INVALID') cases.push({ id: encrypt(` ${row.email.trim().toUpperCase()} `), profile: email.get(e) as number, source: 2 });
      const ph = expectedKey('aes_sms', row.phone);
      if (p % 5 === 2 && ph !== 'EMPTY' && ph !== 'INVALID') cases.push({ id: encrypt(row.phone, KEY_HEX, 'base64'), profile: phone.get(ph) as number, source: 3 });
      const o = expectedKey('aes_other', row.crm_id);
      if (p % 5 === 3 && o !== 'EMPTY') cases.push({ id: encrypt(row.crm_id).toUpperCase(), profile: other.get(o) as number, source: 4 });
      const v = expectedKey('plain', row.ecid);
      if (p % 5 === 4 && v !== 'EMPTY') cases.push({ id: row.ecid, profile: ecid.get(v) as number, source: 0 });
    });
    const got = run(matcher, cases.map((c) => c.id));
    const wrong = cases.filter((c, i) => got[i].profile !== c.profile || got[i].source !== c.source || got[i].reason !== '');
    expect(wrong).toEqual([]);
    expect(new Set(cases.map((c) => c.source)).size).toBe(5);
    expect(cases.length).toBeGreaterThan(1500);
  });

  it('where two sources could match, the higher priority wins; an alias names the one source tried', async () => {
    const small = join(dir, 'overlap.csv');
    writeFileSync(small, 'recipient_id,crm_id,email,phone,ecid,first_name\nR1,12345,,,999,Ann\nR2,777,,,12345,Bob\n');
    const two = parseJob(
      {
        profiles: { path: small, id: 'recipient_id', fields: [] },
        dataSources: [
          { label: 'CRM', alias: 'CRM', type: 'declared', key: 'crm_id', priority: 1 },
          { label: 'MID', alias: 'MID', type: 'visitor', key: 'ecid', priority: 2 },
        ],
      },
      { baseDir: dir, env: {} },
    );
    const { view } = await build(two, csvFileProfiles(small));
    expect(run(new IdMatcher(view, byPriority(two).map((index) => ({ index }))), ['12345', '777', '999', '4242'])).toEqual([
      { profile: 1, source: 1, reason: '' },
      { profile: 1, source: 0, reason: '' },
      { profile: 0, source: 1, reason: '' },
      { profile: -1, source: -1, reason: 'no_profile' },
    ]);
    // --alias CRM: only that source; 12345 is then R1's crm_id.
    expect(run(new IdMatcher(view, [{ index: 0 }]), ['12345'])).toEqual([{ profile: 0, source: 0, reason: '' }]);
  });

  it('a wrong key gives bad_ciphertext for IDs only AES sources could read; no_profile and invalid_id for the rest', async () => {
    const { view } = await build(job, csvFileProfiles(path));
    const aesOnly = new IdMatcher(view, matchSources([2, 3]));
    const known = ROWS.find((r) => expectedKey('aes_email', r.email) !== 'INVALID' && r.email.trim() !== '')!.email;
    const wrongKey = 'ffeeddccbbaa99887766554433221100';
    const got = run(aesOnly, [encrypt(known, wrongKey), encrypt(known, wrongKey), encrypt('nobody@example.com'), '', '  ', 'not hex, not base64!', encrypt(known)]);
    expect(got.map((g) => g.reason)).toEqual(['bad_ciphertext', 'bad_ciphertext', 'no_profile', 'invalid_id', 'invalid_id', 'invalid_id', '']);
    expect(got[6].source).toBe(2);
    // A hashed source reads only 64 hex digits; anything else fits no source.
    const hashed = new IdMatcher(view, matchSources([1]));
    expect(run(hashed, [sha('nobody'), 'CRM123', sha(ROWS.find((r) => r.crm_id.trim() !== '')!.crm_id.trim())]).map((g) => g.reason)).toEqual(['no_profile', 'invalid_id', '']);
  });
});

describe('IDs decoded before the match (the lookup op, for a format without quoting)', () => {
  it('match the same as IDs the matcher decodes itself, for every order of sources: digests, AES hex and base64, plain', async () => {
    const { view } = await build(job, csvFileProfiles(path));
    const ids: string[] = [];
    ROWS.forEach((row, p) => {
      const k = expectedKey('sha256', row.crm_id);
      if (k !== 'EMPTY') ids.push(p % 3 === 0 ? ` ${k.toUpperCase()}\t` : k);
      // A short address encrypts to 32 bytes: 64 hex digits that a digest source reads too.
      if (p % 4 === 0) ids.push(encrypt(row.email.trim()), encrypt(row.crm_id), encrypt(row.phone, KEY_HEX, 'base64'));
      if (p % 7 === 0) ids.push(row.ecid, `${k.slice(0, 63)}g`, k.slice(1), `é${k.slice(2)}`);
    });
    ids.push('', '   ', sha('nobody'), encrypt('nobody@example.com', 'ffeeddccbbaa99887766554433221100'));
    const { bytes, starts, ends } = packIds(ids);
    const space = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
    const snapshot = (r: ReturnType<IdMatcher['match']>) => ({ profiles: [...r.profiles], sources: [...r.sources], reasons: [...r.reasons], readBy: [...r.readBy], badFor: [...r.badFor] });
    for (const order of [[1, 2, 3, 4, 0], [2, 3], [2, 1], [1], [4, 1], [0]]) {
      const own = snapshot(new IdMatcher(view, matchSources(order)).match(bytes, starts, ends, ids.length));
      const first = new IdMatcher(view, matchSources(order));
      expect(first.readsHex, `${order}`).toBe(order.some((s) => s !== 0 && s !== 3));
      first.prepare(ids.length);
      let hex = 0;
      ids.forEach((_, i) => {
        let s = starts[i];
        let e = ends[i];
        while (s < e && space(bytes[s])) s++;
        while (e > s && space(bytes[e - 1])) e--;
        if (first.decodeHex(i, bytes, s, e)) hex++;
      });
      expect(hex).toBeGreaterThan(ids.length / 2);
      expect(snapshot(first.match(bytes, starts, ends, ids.length, true)), `order ${order}`).toEqual(own);
      expect(own.reasons.filter((r) => r === 0).length, `order ${order}`).toBeGreaterThan(100);
    }
  });
});

describe('IdMatcher.decodeHex (hand-written: four digits a load)', () => {
  it('gives the bytes and the verdict of a strict hex decode, for digits of either case, any other byte anywhere, at any offset of a pooled buffer', async () => {
    const { view } = await build(job, csvFileProfiles(path));
    const m = new IdMatcher(view, matchSources([1]));
    const n = 3000;
    m.prepare(n);
    const r = prng(77);
    const digits = '0123456789abcdefABCDEF';
    const values: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const v = Buffer.from(Array.from({ length: 64 }, () => digits.charCodeAt(Math.floor(r() * digits.length))));
      // A third of them with one byte that is no digit: any byte value, at any place.
      if (i % 3 === 1) v[Math.floor(r() * 64)] = [0x00, 0x2f, 0x3a, 0x40, 0x47, 0x60, 0x67, 0x7f, 0x80, 0xb0, 0xe6, 0xff][i % 12];
      values.push(v);
    }
    // One buffer, the values at odd offsets, itself a view at an odd offset of a larger one.
    const backing = Buffer.alloc(7 + n * 67);
    const src = backing.subarray(7);
    const digests = (m as unknown as { digestBytesA: Uint8Array }).digestBytesA;
    values.forEach((v, i) => {
      const at = i * 67 + (i % 3);
      v.copy(src, at);
      const strict = /^[0-9a-f]{64}$/i.test(v.toString('latin1'));
      expect(m.decodeHex(i, src, at, at + 64), `value ${i}`).toBe(strict);
      if (strict) expect(Buffer.from(digests.subarray(32 * i, 32 * i + 32)).toString('hex'), `value ${i}`).toBe(v.toString('latin1').toLowerCase());
    });
    expect(m.decodeHex(0, src, 0, 63)).toBe(false);
    expect(m.decodeHex(0, src, src.length - 60, src.length + 4)).toBe(false);
  });
});

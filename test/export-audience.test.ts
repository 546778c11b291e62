/**
 * export-audience (issue #12, "Export") through the built CLI: for every protection kind (each
 * hash method, AES with channels email, sms (base64) and other, none, visitor ID) the AAM inbound
 * file holds, in table order, each usable profile's ID as computed apart in the test (node:crypto),
 * with the trait; every other profile is in --unusable with its reason, and the report's counts add
 * up: exported + unusable + rejected = profiles read.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { aes, DPID_BASE, expectedFiles, TS, writeJob } from './helpers/export.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-export-');
afterAll(cleanup);
const ROWS = generateProfiles(600, 91);
const TABLE = join(dir, 'profiles.csv');
writeFileSync(TABLE, profilesCsv(ROWS, { crlf: true }));
const JOB = writeJob(dir, { path: 'profiles.csv' });

async function exportSource(i: number, extra: string[] = [], out = join(dir, `out-${i}-${extra.length}/`)) {
  const report = join(dir, `report-${i}-${extra.length}.json`);
  const unusable = join(dir, `unusable-${i}-${extra.length}.csv`);
  mkdirSync(out, { recursive: true });
  const r = await runCli(['export-audience', '--job', JOB, '--alias', `S${i}`, '--trait', 'd_sid=4242', '--out', out, '--unusable', unusable, '--report', report, '--timestamp', String(TS), '--max-rejects', 'none', '--log-format', 'json', ...extra]);
  return { r, out, report, unusable };
}

describe('every protection kind against the independent computation', () => {
  SOURCES.forEach(({ rule, column }, i) => {
    it(`S${i}: ${rule} of ${column}`, async () => {
      const { r, out, report, unusable } = await exportSource(i);
      expect(r.stderr).not.toMatch(/"level":50/);
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBe(0);
      const want = expectedFiles(i, ROWS, 'd_sid=4242');
      expect(readdirSync(out)).toEqual([`ftp_dpm_${DPID_BASE + i}_${TS}.sync`]);
      expect(readFileSync(join(out, `ftp_dpm_${DPID_BASE + i}_${TS}.sync`), 'utf8')).toBe(want.aam);
      expect(readFileSync(unusable, 'utf8')).toBe(want.unusable);
      const rep = JSON.parse(readFileSync(report, 'utf8'));
      expect(rep.status).toBe('ok');
      expect(rep.export).toMatchObject({ alias: `S${i}`, dpid: DPID_BASE + i, column, profilesRead: ROWS.length, exported: want.exported, rejected: 0 });
      expect(rep.export.unusableByReason).toEqual(want.byReason);
      const unusableCount = Object.values(want.byReason).reduce((a, b) => a + b, 0);
      expect(rep.export.unusable).toBe(unusableCount);
      expect(rep.export.exported + rep.export.unusable + rep.export.rejected).toBe(rep.export.profilesRead);
      expect(rep.recordsIn).toBe(ROWS.length);
      // Sanity of the fixture: each kind has exported profiles, and the e-mail / phone kinds unusable ones too.
      expect(want.exported).toBeGreaterThan(ROWS.length / 2);
      if (column === 'email' || column === 'phone') expect(unusableCount).toBeGreaterThan(10);
    });
  });
});

describe('the normalisation before encryption', () => {
  it("gives DOMAIN.md's AES vector for an e-mail written with spaces and capitals", async () => {
    const d = tempDir('ap-export-vec-');
    try {
      writeFileSync(join(d.dir, 'p.csv'), 'id,email\nA,  JohnDoe@Example.COM \nB,johndoe@example.com\nC,john doe@example.com\n');
      writeFileSync(join(d.dir, 'k.hex'), '0123456789ABCDEF0123456789ABCDEF\n');
      writeFileSync(join(d.dir, 'job.json'), JSON.stringify({ profiles: { path: 'p.csv', id: 'id', email: 'email', fields: [] }, dataSources: [{ label: 'enc', alias: 'ENC', type: 'declared', key: 'id', protection: { aes: { keyFile: 'k.hex', iv: '0123456789ABCDEFFEDCBA9876543210' }, channel: 'email' }, priority: 1 }] }));
      mkdirSync(join(d.dir, 'o'));
      const r = await runCli(['export-audience', '--job', join(d.dir, 'job.json'), '--alias', 'ENC', '--dpid', '55', '--trait', 'd_sid=1', '--out', join(d.dir, 'o/'), '--unusable', join(d.dir, 'u.csv'), '--timestamp', String(TS), '--log-format', 'json']);
      expect(r.code).toBe(0);
      const v = 'a4e70c52b4ca4a338d6d0ea25986355284f6ea47bb275506e61fa25b4ec4d365';
      expect(readFileSync(join(d.dir, 'o', `ftp_dpm_55_${TS}.sync`), 'utf8')).toBe(`${v}\td_sid=1\n${v}\td_sid=1\n`);
      expect(aes('johndoe@example.com', 'hex', '0123456789ABCDEF0123456789ABCDEF', '0123456789ABCDEFFEDCBA9876543210')).toBe(v);
      expect(readFileSync(join(d.dir, 'u.csv'), 'utf8')).toBe('id,reason\nC,invalid_email\n');
      // The key and the addresses are in no log line.
      expect(r.stderr).not.toMatch(/0123456789ABCDEF|johndoe/i);
    } finally {
      d.cleanup();
    }
  });

  it('reads national numbers with the job\'s defaultCountry (or --default-country), as phone_sha256 does', async () => {
    const d = tempDir('ap-export-cc-');
    try {
      writeFileSync(join(d.dir, 'p.csv'), 'id,phone\nA,(415) 555-2671\nB,+1 415 555 2671\nC,12\n');
      writeFileSync(join(d.dir, 'k.hex'), '0123456789abcdef0123456789abcdef');
      const job = (country?: string) => JSON.stringify({ profiles: { path: 'p.csv', id: 'id', phone: 'phone', ...(country ? { defaultCountry: country } : {}), fields: [] }, dataSources: [{ label: 'sms', alias: 'SMS', dpid: 9, type: 'declared', key: 'id', protection: { aes: { keyFile: 'k.hex', iv: '00112233445566778899aabbccddeeff' }, channel: 'sms' }, priority: 1 }, { label: 'h', alias: 'H', dpid: 10, type: 'declared', key: 'phone', protection: { hash: 'phone_sha256' }, priority: 1 }] });
      const run = async (alias: string, country: string | undefined, flags: string[]) => {
        writeFileSync(join(d.dir, 'job.json'), job(country));
        const out = join(d.dir, `o-${alias}-${country}-${flags.length}/`);
        mkdirSync(out);
        const r = await runCli(['export-audience', '--job', join(d.dir, 'job.json'), '--alias', alias, '--trait', 'd_sid=1', '--out', out, '--unusable', join(d.dir, 'u.csv'), '--timestamp', String(TS), '--max-rejects', 'none', '--log-format', 'json', ...flags]);
        expect(r.code).toBe(0);
        return { aam: readFileSync(join(out, readdirSync(out)[0]), 'utf8'), unusable: readFileSync(join(d.dir, 'u.csv'), 'utf8') };
      };
      const enc = aes('+14155552671', 'hex');
      const digest = '758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0';
      expect(await run('SMS', 'US', [])).toEqual({ aam: `${enc}\td_sid=1\n${enc}\td_sid=1\n`, unusable: 'id,reason\nC,invalid_phone\n' });
      expect(await run('SMS', undefined, ['--default-country', 'US'])).toEqual({ aam: `${enc}\td_sid=1\n${enc}\td_sid=1\n`, unusable: 'id,reason\nC,invalid_phone\n' });
      expect(await run('SMS', undefined, [])).toEqual({ aam: `${enc}\td_sid=1\n`, unusable: 'id,reason\nA,invalid_phone\nC,invalid_phone\n' });
      expect(await run('H', 'US', [])).toEqual({ aam: `${digest}\td_sid=1\n${digest}\td_sid=1\n`, unusable: 'id,reason\nC,invalid_phone\n' });
    } finally {
      d.cleanup();
    }
  });
});

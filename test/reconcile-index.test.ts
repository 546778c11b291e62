/**
 * The profile index (issue #12, "The index"): a generated table with known overlaps, built from
 * CSV (plain, gzip, CRLF), checked against an independent count (test/helpers/profile-keys.ts)
 * for every protection kind: counts per data source, every lookup, the kept fields; malformed
 * tables are counted line by line, never silently dropped.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedState } from '../src/pool/shared-state.js';
import { buildProfileIndex } from '../src/reconcile/index-build.js';
import { defineIndexRegions, SharedBytesWriter, SharedWordsWriter } from '../src/reconcile/index-layout.js';
import type { ReconcileJob } from '../src/reconcile/job-types.js';
import { csvFileProfiles } from '../src/reconcile/profiles/csv-file.js';
import type { ProfileSource } from '../src/reconcile/profiles/source.js';
import { parseJob } from '../src/reconcile/job-file.js';
import { currentIndexView, ProfileIndexView } from '../src/worker/lookup.js';
import { IdMatcher } from '../src/worker/lookup-match.js';
import { readShared } from '../src/worker/shared.js';
import { indexRegion, KEYS_NONE } from '../src/protocol/profile-index.js';
import { createLibraryPhoneNormalizer } from '../src/transforms/phone.js';
import { prng } from './helpers/profiles.js';
import { tempDir } from './helpers/cli.js';
import { expectedSource, type KeyRule } from './helpers/profile-keys.js';
import { generateProfiles, PROFILE_COLUMNS, profilesCsv, type ProfileRow } from './helpers/profiles.js';
import { build as buildIndex, expectedMatch, incoming, jobFor as jobIn, KEY_HEX, SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-index-');
afterAll(cleanup);
const jobFor = (table: Record<string, unknown>): ReconcileJob => jobIn(table, dir);
const build = buildIndex;

const ROWS = generateProfiles(3000, 42);
const CSV = profilesCsv(ROWS);
/** The reference reader's rows: the generated CSV says what the generator meant. */
const PARSED = (parseCsv(CSV, { relax_quotes: false }) as string[][]).slice(1);

describe('a generated table with known overlaps', () => {
  const path = join(dir, 'profiles.csv');
  writeFileSync(path, CSV);

  it('csv-parse reads back the generated rows (the table is what the test computes from)', () => {
    expect(PARSED.map((cells) => Object.fromEntries(PROFILE_COLUMNS.map((c, i) => [c, cells[i]])))).toEqual(ROWS);
  });

  it('counts per data source what the independent computation counts, for every protection kind', async () => {
    const { report, view } = await build(jobFor({ path }), csvFileProfiles(path));
    expect(report.profiles).toBe(ROWS.length);
    expect(report.flawed).toBe(0);
    SOURCES.forEach(({ rule, column }, i) => {
      const want = expectedSource(rule, ROWS.map((r) => r[column]));
      const got = report.sources[i];
      expect({ rule, indexed: got.indexed, duplicates: got.duplicates, empty: got.empty, invalid: got.invalid }).toEqual({ rule, indexed: want.indexed, duplicates: want.duplicates, empty: want.empty, invalid: want.invalid });
      expect(got.indexed + got.duplicates + got.empty + got.invalid).toBe(ROWS.length);
      expect(view.counts(i)).toEqual({ indexed: got.indexed, duplicates: got.duplicates, empty: got.empty, invalid: got.invalid });
    });
    // The generator's trouble is there: duplicates, empties and invalid keys where the rules make them.
    const byRule = (rule: KeyRule, column: keyof ProfileRow) => expectedSource(rule, ROWS.map((r) => r[column]));
    expect(byRule('sha256', 'crm_id').duplicates).toBeGreaterThan(50);
    expect(byRule('sha256', 'crm_id').empty).toBeGreaterThan(100);
    expect(byRule('email_lc_sha256', 'email').invalid).toBeGreaterThan(30);
    expect(byRule('aes_email', 'email').duplicates).toBeGreaterThan(50);
    expect(byRule('phone_sha256', 'phone').invalid).toBeGreaterThan(50);
    // sha256 hashes the key as it is, sha256_lc lowercased: 'crm123' and 'CRM123' are one key only for the latter.
    expect(byRule('sha256_lc', 'crm_id').duplicates).toBeGreaterThanOrEqual(byRule('sha256', 'crm_id').duplicates);
  });

  it('answers every incoming ID as the independent table does: the first profile of a key, -1 for the rest', async () => {
    const { view } = await build(jobFor({ path }), csvFileProfiles(path));
    SOURCES.forEach(({ rule, column }, i) => {
      const { first } = expectedSource(rule, ROWS.map((r) => r[column]));
      const ids = incoming(ROWS, i, 100 + i);
      let matched = 0;
      const wrong: string[] = [];
      for (const id of ids) {
        const bytes = Buffer.from(id, 'utf8');
        const got = view.lookup(i, bytes, 0, bytes.length);
        const want = expectedMatch(rule, first, id);
        if (got !== want) wrong.push(`${JSON.stringify(id)}: ${got}, expected ${want}`);
        if (want >= 0) matched++;
      }
      expect(wrong, `source ${i} (${rule})`).toEqual([]);
      // Known overlap: most profiles' keys match, the strangers do not.
      expect(matched, rule).toBe(ids.filter((id) => expectedMatch(rule, first, id) >= 0).length);
      expect(matched, rule).toBeGreaterThan(ROWS.length / 2);
      expect(matched, rule).toBeLessThan(ids.length - 50);
    });
  });

  it('keeps profiles.id and the fields of every profile, byte for byte as the table has them', async () => {
    const { view } = await build(jobFor({ path }), csvFileProfiles(path));
    expect(view.fieldCount).toBe(3);
    PARSED.forEach((cells, p) => {
      expect([view.field(p, 0).toString(), view.field(p, 1).toString(), view.field(p, 2).toString()]).toEqual([cells[0], cells[5], cells[1]]);
    });
  });

  it('builds the same index from the gzipped file and from CRLF line ends', async () => {
    const plain = await build(jobFor({ path }), csvFileProfiles(path));
    const gz = join(dir, 'profiles.csv.gz');
    writeFileSync(gz, gzipSync(CSV));
    const crlf = join(dir, 'crlf.csv');
    writeFileSync(crlf, profilesCsv(ROWS, { crlf: true }));
    for (const other of [gz, crlf]) {
      const b = await build(jobFor({ path: other }), csvFileProfiles(other));
      expect(b.report.sources).toEqual(plain.report.sources);
      expect(b.report.profiles).toBe(ROWS.length);
      for (let p = 0; p < ROWS.length; p += 7) expect(b.view.field(p, 1).toString()).toBe(ROWS[p].first_name);
    }
  });

  it('reads a table whose records cross the read buffers (chunks of 1 to 97 bytes)', async () => {
    const bytes = Buffer.from(CSV.slice(0, 20_000));
    const lines = CSV.slice(0, 20_000).split('\n');
    const complete = lines.length - 2; // the header and the last, cut line
    for (const size of [1, 7, 97]) {
      const source: ProfileSource = {
        description: `chunks of ${size}`,
        async *bytes() {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        },
      };
      const { report, view } = await build(jobFor({ path }), source);
      // The cut last line is a record too, short of fields.
      expect(report.profiles + report.flawed).toBe(complete + 1);
      for (let p = 0; p < complete; p++) expect(view.field(p, 0).toString()).toBe(ROWS[p].recipient_id);
    }
  });
});

describe('malformed tables: every line is a profile or counted with its line number', () => {
  const table = (name: string, text: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const HEADER = PROFILE_COLUMNS.join(',');

  it('a wrong field count, a misplaced quote and an unclosed quote at the end are flawed lines; blank lines are skipped', async () => {
    const path = table('flawed.csv', `\ufeff${HEADER}\r\nR1,C1,a@b.co,,1,Ann\r\n\r\nR2,C2,only-four,x\nR3,"C3"x,a@b.co,,2,Bob\nR4,"C,4","c@d.co",,3,"Say ""Hi"""\n\nR5,C5,e@f.co,,4,"open\n`);
    const { report, view } = await build(jobFor({ path }), csvFileProfiles(path));
    expect(report.profiles).toBe(2);
    expect(report.flawedByReason).toEqual({ field_count: 1, bad_quote: 2, record_too_large: 0, bad_line_end: 0 });
    expect(report.flawedLines).toEqual([4, 5, 8]);
    expect(report.blankLines).toBe(2);
    expect([view.field(1, 0).toString(), view.field(1, 1).toString(), view.field(1, 2).toString()]).toEqual(['R4', 'Say "Hi"', 'C,4']);
    const aesEmail = SOURCES.findIndex((s) => s.rule === 'aes_email');
    const id = Buffer.from('C@D.CO');
    expect(view.lookup(aesEmail, id, 0, id.length)).toBe(1);
  });

  it('invalid UTF-8 in a key makes it invalid for that source only; the profile stays', async () => {
    const path = table('utf8.csv', Buffer.concat([Buffer.from(`${HEADER}\nR1,C1,`), Buffer.from([0x61, 0xff, 0x40, 0x62, 0x2e, 0x63]), Buffer.from(',,1,Ann\n')]));
    const { report } = await build(jobFor({ path }), csvFileProfiles(path));
    expect(report.profiles).toBe(1);
    const email = SOURCES.findIndex((s) => s.rule === 'aes_email');
    expect(report.sources[email]).toMatchObject({ indexed: 0, invalid: 1 });
    expect(report.sources[0]).toMatchObject({ indexed: 1, invalid: 0 });
  });

  it('a column the job names that the table lacks is ERR_JOB naming the key path and the columns there are', async () => {
    const path = table('nocol.csv', 'recipient_id,crm_id,email,phone,first_name\nR1,C1,a@b.co,,Ann\n');
    await expect(build(jobFor({ path }), csvFileProfiles(path))).rejects.toMatchObject({
      code: 'ERR_JOB',
      exitCode: 2,
      message: `--job: dataSources[8].key: column 'ecid' is not in the profile table ${path} (its columns: recipient_id, crm_id, email, phone, first_name)`,
    });
  });

  it('a missing file, a cut gzip, an empty table, blank lines only and an endless header are ERR_PROFILES naming the table', async () => {
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'none.csv'), /^profiles\.path: cannot read .*none\.csv: ENOENT$/],
      [table('cut.csv.gz', gzipSync(CSV).subarray(0, 2000)), /^profiles\.path: .*cut\.csv\.gz is not valid gzip: unexpected end of file$/],
      [table('empty.csv', ''), /empty\.csv: line 1: input has no header$/],
      [table('blank.csv', '\n\r\n\n'), /blank\.csv: line 1: input has no header$/],
      [table('long-header.csv', `"${'h'.repeat(2 << 20)}\n`), /long-header\.csv: line 1: the header record does not end within --max-record-bytes \(1048576 bytes\)/],
    ];
    for (const [path, message] of cases) {
      await expect(build(jobFor({ path }), csvFileProfiles(path))).rejects.toMatchObject({ code: 'ERR_PROFILES', exitCode: 1, message: expect.stringMatching(message) });
    }
  });

  it('a quote that never closes costs its line only (bad_quote), a record over maxRecordBytes its record (record_too_large)', async () => {
    const endless = table('endless.csv', `${HEADER}\nR1,"${'x'.repeat(3 << 20)}\n`);
    const a = await build(jobFor({ path: endless }), csvFileProfiles(endless));
    expect(a.report).toMatchObject({ profiles: 0, flawed: 1, flawedByReason: { bad_quote: 1 }, flawedLines: [2] });
    const big = table('big.csv', `${HEADER}\nR1,C1,a@b.co,,1,Ann\nR2,C2,${'y'.repeat(5000)}@b.co,,2,Bob\nR3,C3,c@d.co,,3,Cy\n`);
    const state = new SharedState();
    const job = jobFor({ path: big });
    const report = await buildProfileIndex(job, csvFileProfiles(big), defineIndexRegions(state, job.dataSources.length), { workers: 0, maxRecordBytes: 4096 });
    expect(report).toMatchObject({ profiles: 2, flawed: 1, flawedByReason: { record_too_large: 1 }, flawedLines: [3] });
  });

  it('a table whose records end in CR alone (Excel for Mac) is read as one with LF', async () => {
    const path = table('cr.csv', profilesCsv(ROWS.slice(0, 300)).replaceAll('\n', '\r'));
    const { report, view } = await build(jobFor({ path }), csvFileProfiles(path));
    expect(report.profiles).toBe(300);
    expect(report.flawed).toBe(0);
    expect(view.field(299, 0).toString()).toBe('R300');
  });

  it('an empty table (a header only) gives an index of no profiles that answers -1', async () => {
    const path = table('header-only.csv', `${HEADER}\n`);
    const { report, view } = await build(jobFor({ path }), csvFileProfiles(path));
    expect(report.profiles).toBe(0);
    for (let s = 0; s < SOURCES.length; s++) {
      const id = Buffer.from('a'.repeat(64));
      expect(view.lookup(s, id, 0, id.length)).toBe(-1);
    }
  });
});

describe('the index arenas', () => {
  it('grow in place, keeping what was written, up to what their region reserves, then ERR_PROFILES naming the region', () => {
    const state = new SharedState();
    const bytes = new SharedBytesWriter(state.region('profile-index:test-bytes', 3 << 20));
    bytes.ensure(10);
    bytes.bytes.write('0123456789', 0);
    bytes.used = 10;
    bytes.ensure(2 << 20);
    expect(bytes.bytes.toString('latin1', 0, 10)).toBe('0123456789');
    expect(() => bytes.ensure(3 << 20)).toThrow(expect.objectContaining({ code: 'ERR_PROFILES', message: expect.stringMatching(/profile-index:test-bytes would exceed 3145728 bytes; split the table$/) }));
    const words = new SharedWordsWriter(state.region('profile-index:test-words', 1 << 20));
    for (let i = 0; i < 1000; i++) words.push(i * 3);
    words.grow(200_000);
    expect(words.words[999]).toBe(2997);
    expect(() => words.grow((1 << 18) + 1)).toThrow(expect.objectContaining({ code: 'ERR_PROFILES', message: expect.stringMatching(/profile-index:test-words would exceed 1048576 bytes/) }));
  });
});

describe('a worker keeps its view while the index is unchanged', () => {
  it('currentIndexView gives the same view until the index is built again into the same regions, then a new one over the new content', async () => {
    const a = join(dir, 'gen-a.csv');
    const b = join(dir, 'gen-b.csv');
    writeFileSync(a, profilesCsv(ROWS.slice(0, 100)));
    writeFileSync(b, profilesCsv(ROWS.slice(100, 150)));
    const job = jobFor({ path: a });
    const state = new SharedState();
    const regions = defineIndexRegions(state, job.dataSources.length);
    await buildProfileIndex(job, csvFileProfiles(a), regions, { workers: 0 });
    const first = currentIndexView(state.buffers);
    expect(currentIndexView(state.buffers)).toBe(first);
    expect(first.profiles).toBe(100);
    await buildProfileIndex(job, csvFileProfiles(b), regions, { workers: 0 });
    const second = currentIndexView(state.buffers);
    expect(second).not.toBe(first);
    expect(second.generation).toBe(first.generation + 1);
    expect(second.profiles).toBe(50);
    expect(second.field(0, 0).toString()).toBe('R101');
  });
});

describe('phones without a default country', () => {
  it('a number with neither a + nor a leading 00 is an invalid key, as the library itself says (it is not asked)', () => {
    const library = createLibraryPhoneNormalizer(undefined);
    const r = prng(99);
    const shapes = [(d: string) => d, (d: string) => `(${d.slice(0, 3)}) ${d.slice(3)}`, (d: string) => `${d.slice(0, 2)}-${d.slice(2)}`, (d: string) => `0${d}`, (d: string) => `${d} ext 12`, (d: string) => `1 ${d}`, (d: string) => `tel:${d}`];
    for (let i = 0; i < 3000; i++) {
      const digits = Array.from({ length: 6 + Math.floor(r() * 9) }, () => Math.floor(r() * 10)).join('');
      const text = shapes[i % shapes.length](digits);
      // A leading 00 is the international prefix: those go to the library.
      if (text.startsWith('00')) continue;
      expect(typeof library(text), text).not.toBe('string');
    }
  });
});

describe("the job's profiles.defaultCountry", () => {
  /** National and international numbers, an invalid one and an empty one. */
  const PHONES = ['(907) 934-0885', '917-519-0085', '+1 212 555 0147', '0044 20 7946 0958', '020 7946 0958', '12', ''];
  const e164 = (v: string, country: CountryCode): string | undefined => {
    try {
      const p = parsePhoneNumberWithError(v.startsWith('00') ? `+${v.slice(2)}` : v, country);
      return p.isPossible() ? p.number : undefined;
    } catch {
      return undefined;
    }
  };
  const path = join(dir, 'national.csv');
  writeFileSync(path, ['recipient_id,phone', ...PHONES.map((p, i) => `R${i},${p}`)].join('\n') + '\n');
  const jobWith = (country: string | undefined): ReconcileJob => {
    writeFileSync(join(dir, 'k.hex'), KEY_HEX);
    return parseJob({
      profiles: { path, id: 'recipient_id', phone: 'phone', fields: [], ...(country === undefined ? {} : { defaultCountry: country }) },
      dataSources: [
        { label: 'phone', alias: 'P', type: 'declared', key: 'phone', protection: { hash: 'phone_sha256' }, priority: 2 },
        { label: 'sms', alias: 'M', type: 'declared', key: 'recipient_id', protection: { aes: { keyFile: 'k.hex', iv: '00112233445566778899aabbccddeeff' }, channel: 'sms' }, priority: 1 },
      ],
    }, { baseDir: dir });
  };
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

  it('reads national numbers with its plan: hashed and plain (sms) keys as the library normalises them; the view takes the same plan', async () => {
    const { report, view } = await build(jobWith('us'), csvFileProfiles(path));
    const expected = PHONES.map((p) => (p.trim() === '' ? 'EMPTY' : e164(p, 'US') ?? 'INVALID'));
    const valid = expected.filter((k) => k !== 'EMPTY' && k !== 'INVALID').length;
    // Both US numbers without a country code count now; the GB national number is no US number.
    expect(expected.slice(0, 2).every((k) => k.startsWith('+1'))).toBe(true);
    expect(report.sources.map((s) => [s.indexed, s.empty, s.invalid])).toEqual([[valid, 1, PHONES.length - 1 - valid], [valid, 1, PHONES.length - 1 - valid]]);
    expect(view.defaultCountry).toBe('US');
    expected.forEach((k, p) => {
      if (k === 'EMPTY' || k === 'INVALID') return;
      const hashed = Buffer.from(sha(k.slice(1)).toUpperCase());
      expect(view.lookup(0, hashed, 0, hashed.length), PHONES[p]).toBe(p);
      // An AES sms plaintext written nationally is read with the build's plan, in the worker too.
      const plain = Buffer.from(PHONES[p]);
      expect(view.lookup(1, plain, 0, plain.length), PHONES[p]).toBe(p);
    });
  });

  it('without it the national numbers are invalid keys; BuildOptions.defaultCountry takes its place when given', async () => {
    const none = await build(jobWith(undefined), csvFileProfiles(path));
    expect(none.report.sources[0]).toMatchObject({ indexed: 2, empty: 1, invalid: PHONES.length - 3 });
    expect(none.view.defaultCountry).toBeUndefined();
    const state = new SharedState();
    const regions = defineIndexRegions(state, 2);
    const report = await buildProfileIndex(jobWith('US'), csvFileProfiles(path), regions, { workers: 0, defaultCountry: 'GB' });
    const gb = PHONES.map((p) => (p.trim() === '' ? undefined : e164(p, 'GB')));
    // Under GB's plan 020 7946 0958 is the number 0044 20 7946 0958 gave: a duplicate.
    expect(report.sources[0]).toMatchObject({ indexed: new Set(gb.filter((k) => k !== undefined)).size, duplicates: 1 });
    const view = new ProfileIndexView(state.buffers);
    expect(view.defaultCountry).toBe('GB');
    const london = Buffer.from(sha((gb[4] as string).slice(1)));
    expect(view.lookup(0, london, 0, london.length)).toBe(3);
  });
});

describe('the kept fields arena', () => {
  it('keeps values of every length (empty, 254, 255, 70,000 bytes; quoted ones unquoted, even a quoted 300 bytes that unquotes to 150) for tables of 1 to 9 profiles', async () => {
    const values = ['', 'a', 'x'.repeat(254), 'y'.repeat(255), 'z'.repeat(70_000), '"said ""hi"""', `"${'""'.repeat(150)}"`, '"a,b\nc"', 'é€'];
    const want = (v: string): string => (v.startsWith('"') ? v.slice(1, -1).replaceAll('""', '"') : v);
    for (let n = 1; n <= 9; n++) {
      const rows = Array.from({ length: n }, (_, p) => `R${p},${values[p % values.length]},${values[(p + 3) % values.length]},c${p}@example.com`);
      const path = join(dir, `long-${n}.csv`);
      writeFileSync(path, `recipient_id,first_name,crm_id,email\n${rows.join('\n')}\n`);
      const job = parseJob({
        profiles: { path, id: 'recipient_id', email: 'email', fields: ['first_name', 'crm_id'] },
        dataSources: [{ label: 'e', alias: 'E', type: 'declared', key: 'email', protection: { hash: 'email_lc_sha256' }, priority: 1 }],
      }, { baseDir: dir });
      const { report, view } = await build(job, csvFileProfiles(path));
      expect(report.profiles).toBe(n);
      const starts = new Int32Array(3);
      const ends = new Int32Array(3);
      for (let p = 0; p < n; p++) {
        expect([view.field(p, 0).toString(), view.field(p, 1).toString(), view.field(p, 2).toString()], `profile ${p} of ${n}`).toEqual([`R${p}`, want(values[p % values.length]), want(values[(p + 3) % values.length])]);
        // One walk for all of a profile's fields (the lookup op's way) finds the same bytes.
        const bytes = view.fieldRanges(p, starts, ends);
        for (let f = 0; f < 3; f++) expect(bytes.subarray(starts[f], ends[f]).equals(view.field(p, f))).toBe(true);
      }
      expect(want(values[6])).toHaveLength(150);
    }
  });
});

describe('a build of some data sources (BuildOptions.sources)', () => {
  const path = join(dir, 'some.csv');
  writeFileSync(path, CSV);
  const job = jobFor({ path });
  /** A digest source, an AES e-mail source (text, fingerprinted) and a plain one, given out of order. */
  const SOME = [8, 2, 5];

  it('builds those alone, byte for byte as a whole build does; the others are empty, KEYS_NONE, counted 0 and not built', async () => {
    const whole = await build(job, csvFileProfiles(path));
    const state = new SharedState();
    const report = await buildProfileIndex(job, csvFileProfiles(path), defineIndexRegions(state, job.dataSources.length), { workers: 0, sources: SOME });
    const view = new ProfileIndexView(state.buffers);
    const bytes = (st: SharedState, name: string): Buffer => Buffer.from(readShared(st.buffers, name).bytes);
    expect(report.profiles).toBe(whole.report.profiles);
    for (const name of [indexRegion.fields, indexRegion.fieldEnds]) expect(bytes(state, name).equals(bytes(whole.state, name)), name).toBe(true);
    job.dataSources.forEach((s, i) => {
      const regions = [indexRegion.keys(i), indexRegion.keyEnds(i), indexRegion.owners(i), indexRegion.slots(i)];
      if (SOME.includes(i)) {
        expect(report.sources[i]).toEqual(whole.report.sources[i]);
        expect(report.sources[i].built).toBe(true);
        for (const name of regions) expect(bytes(state, name).equals(bytes(whole.state, name)), name).toBe(true);
        expect(view.keysOf(i)).toBe(whole.view.keysOf(i));
        expect(view.counts(i)).toEqual(whole.view.counts(i));
        for (const id of incoming(ROWS, i, 70 + i)) {
          const b = Buffer.from(id);
          expect(view.lookup(i, b, 0, b.length), `${s.alias} ${id}`).toBe(whole.view.lookup(i, b, 0, b.length));
        }
      } else {
        expect(report.sources[i]).toEqual({ alias: s.alias, label: s.label, built: false, indexed: 0, duplicates: 0, empty: 0, invalid: 0 });
        for (const name of regions) expect(readShared(state.buffers, name), name).toMatchObject({ generation: 0, bytes: new Uint8Array(0) });
        expect(view.keysOf(i)).toBe(KEYS_NONE);
        expect(whole.report.sources[i].built).toBe(true);
      }
    });
    // A matcher over the built sources matches as over the whole index; one asked to try a source not built refuses.
    const ids = incoming(ROWS, 2, 90).map((id) => Buffer.from(id));
    const src = Buffer.concat(ids);
    const ends = Int32Array.from(ids.map((_, k) => ids.slice(0, k + 1).reduce((a, b) => a + b.length, 0)));
    const starts = Int32Array.from(ends, (e, k) => e - ids[k].length);
    const sources = SOME.map((index) => ({ index }));
    const got = new IdMatcher(view, sources).match(src, starts, ends, ids.length);
    const want = new IdMatcher(whole.view, sources).match(src, starts, ends, ids.length);
    expect([...got.profiles]).toEqual([...want.profiles]);
    expect([...got.profiles].filter((p) => p >= 0).length).toBeGreaterThan(ids.length / 2);
    expect(() => new IdMatcher(view, [{ index: 2 }, { index: 0 }])).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL', message: expect.stringContaining('data source 0') }));
  });

  it('refuses a source number the job does not have; every source\'s column is still checked against the header', async () => {
    const regions = () => defineIndexRegions(new SharedState(), job.dataSources.length);
    await expect(buildProfileIndex(job, csvFileProfiles(path), regions(), { workers: 0, sources: [job.dataSources.length] })).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('sources: 10 is not a data source') });
    const noPhone = join(dir, 'no-phone.csv');
    writeFileSync(noPhone, CSV.replace(/^([^\n]*)\bphone\b/, '$1fax'));
    await expect(buildProfileIndex(jobFor({ path: noPhone }), csvFileProfiles(noPhone), regions(), { workers: 0, sources: [0] })).rejects.toMatchObject({ code: 'ERR_JOB' });
  });
});

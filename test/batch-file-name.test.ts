/** File-name metadata (src/batch/file-name.ts): AAM outbound, AAM inbound and AEP names, and names that say nothing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputFileEntry, parseFileName } from '../src/batch/file-name.js';

describe('AAM outbound names', () => {
  it("DOMAIN.md's example: 13-digit milliseconds, no split", () => {
    expect(parseFileName('ftp_1234_20915_full_1486140843000.sync.gz')).toEqual({
      pattern: 'aam-outbound',
      syncType: 'ftp',
      destination: '1234',
      dpid: 20915,
      mode: 'full',
      timestamp: '2017-02-03T16:54:03.000Z',
      timestampRaw: '1486140843000',
      extension: 'sync',
      gzip: true,
    });
  });

  it('10-digit seconds, iter, plain', () => {
    expect(parseFileName('s3_99_1111_iter_1486140843.sync')).toMatchObject({ syncType: 's3', mode: 'iter', timestamp: '2017-02-03T16:54:03.000Z', timestampRaw: '1486140843', gzip: false });
    expect(parseFileName('s3_99_1111_iter_1486140843.sync')).not.toHaveProperty('part');
  });

  it('16 and more digits: 13 of milliseconds, the rest the split number', () => {
    expect(parseFileName('ftp_1234_20915_full_1486140843000001.sync.gz')).toMatchObject({ timestampRaw: '1486140843000', part: 1 });
    expect(parseFileName('ftp_1234_20915_full_14861408430001234.sync')).toMatchObject({ timestampRaw: '1486140843000', part: 1234 });
  });

  it('11, 12, 14 and 15 digits: 10 of seconds, the rest the split number', () => {
    for (const [digits, part] of [['14861408431', 1], ['148614084312', 12], ['14861408430007', 7], ['148614084300123', 123]] as const) {
      expect(parseFileName(`ftp_1_2_full_${digits}.sync`), digits).toMatchObject({ timestampRaw: '1486140843', timestamp: '2017-02-03T16:54:03.000Z', part });
    }
  });

  it("the vendor's dash suffix is the part", () => {
    expect(parseFileName('ftp_12345_67890_full_1500727351632-1.sync.gz')).toMatchObject({ destination: '12345', dpid: 67890, timestampRaw: '1500727351632', part: 1, gzip: true });
    expect(parseFileName('ftp_12345_67890_full_1500727351632-12.sync')).toMatchObject({ part: 12 });
  });

  it('the name of a path or URL is its last segment', () => {
    expect(parseFileName('sftp://u@h:22/~/in/ftp_1234_20915_full_1486140843000.sync.gz')).toMatchObject({ dpid: 20915 });
    expect(parseFileName('https://x.org/ftp_1234_20915_full_1486140843000.sync?sig=x')).toMatchObject({ dpid: 20915, gzip: false });
  });

  it('fewer than 10 digits, another mode or letters in an ID: no match', () => {
    for (const name of ['ftp_1234_20915_full_148614084.sync', 'ftp_1234_20915_part_1486140843000.sync', 'ftp_12a4_20915_full_1486140843000.sync']) {
      expect(parseFileName(name), name).toBeUndefined();
    }
  });
});

describe('AAM inbound names', () => {
  it('ftp_dpm_<DPID>[_<target>]_<seconds>.<mode>[.<part>][.gz]', () => {
    expect(parseFileName('ftp_dpm_1234_1486140843.sync')).toEqual({ pattern: 'aam-inbound', dpid: 1234, mode: 'sync', timestamp: '2017-02-03T16:54:03.000Z', timestampRaw: '1486140843', gzip: false });
    expect(parseFileName('ftp_dpm_20915_777_1486140843.overwrite.3.gz')).toMatchObject({ dpid: 20915, targetDpid: 777, mode: 'overwrite', part: 3, gzip: true });
  });
});

describe('AEP names', () => {
  it('<destination>_segment<id>_<yyyymmddhhmmss>.csv, split _<n>', () => {
    expect(parseFileName('Campaign_Managed_segment0f1e-22ab_20170203165403.csv')).toEqual({
      pattern: 'aep',
      destination: 'Campaign_Managed',
      segment: '0f1e-22ab',
      timestamp: '2017-02-03T16:54:03.000Z',
      timestampRaw: '20170203165403',
      gzip: false,
    });
    expect(parseFileName('Camp_segment42_20170203165403_2.csv.gz')).toMatchObject({ segment: '42', part: 2, gzip: true });
  });

  it('a date that does not exist is no match', () => {
    expect(parseFileName('Camp_segment42_20171332165403.csv')).toBeUndefined();
    expect(parseFileName('Camp_segment42_20170229000000.csv')).toBeUndefined();
  });
});

describe('other names', () => {
  it('say nothing, and are no error', () => {
    for (const name of ['aud.csv', '', 'ftp_.sync', 'segment_1.csv', '\u00e9\u0000.gz']) expect(parseFileName(name), name).toBeUndefined();
    expect(inputFileEntry('aud.csv')).toEqual({ name: 'aud.csv' });
  });

  it('an entry carries the name as given with the metadata', () => {
    expect(inputFileEntry('in/ftp_1234_20915_full_1486140843000-2.sync.gz')).toMatchObject({ name: 'in/ftp_1234_20915_full_1486140843000-2.sync.gz', pattern: 'aam-outbound', part: 2 });
  });
});

describe('any name', () => {
  it('never throws, and a name built from the AAM outbound template parses back to its parts', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (name) => {
      parseFileName(name);
    }), { numRuns: 2000 });
    // By the rule, 10 + 3 digits read as 13 of milliseconds: a seconds name's split has 1, 2, 4 or 5 digits.
    const split = (lengths: number[]) => fc.option(fc.tuple(fc.constantFrom(...lengths), fc.integer({ min: 0, max: 99999 })).map(([len, v]) => String(v % 10 ** len).padStart(len, '0')), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom('ftp', 's3', 'http'),
        fc.integer({ min: 1, max: 999999 }),
        fc.integer({ min: 1, max: 99999 }),
        fc.constantFrom('full', 'iter'),
        fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }),
        fc.oneof(fc.tuple(fc.constant(true), split([3, 4, 5])), fc.tuple(fc.constant(false), split([1, 2, 4, 5]))),
        fc.boolean(),
        (sync, dest, dpid, mode, seconds, [millis, splitDigits], gz) => {
          const stamp = millis ? `${seconds}123` : String(seconds);
          const name = `${sync}_${dest}_${dpid}_${mode}_${stamp}${splitDigits ?? ''}.sync${gz ? '.gz' : ''}`;
          const m = parseFileName(name)!;
          expect(m).toMatchObject({ pattern: 'aam-outbound', syncType: sync, destination: String(dest), dpid, mode, timestampRaw: stamp, gzip: gz });
          expect(m.timestamp).toBe(new Date(millis ? seconds * 1000 + 123 : seconds * 1000).toISOString());
          if (splitDigits === undefined) expect(m).not.toHaveProperty('part');
          else expect(m.part).toBe(Number(splitDigits));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/**
 * Output file names (src/outputs/naming.ts): AAM inbound, AEP style, --name templates and plain
 * names, splits and partitions, sanitising, the 255-byte limit and name collisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, RunError } from '../src/errors/errors.js';
import { MAX_NAME_BYTES, namingFor, outputNaming, sanitizePartition, splitExtension, type NamingOptions } from '../src/outputs/naming.js';

// 2017-02-03T16:54:03Z
const T = 1486140843;
const base: NamingOptions = { timestamp: T };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('AAM inbound names', () => {
  const aam = { ...base, format: 'aam-inbound', dpid: 1234 };

  it('ftp_dpm_<DPID>_<seconds>.sync, no part number for one part', () => {
    expect(namingFor(aam).name({ part: 1, parts: 1 })).toBe('ftp_dpm_1234_1486140843.sync');
    expect(namingFor(aam).style).toBe('aam-inbound');
  });

  it('the target DPID after the DPID, overwrite mode, gzip', () => {
    const n = namingFor({ ...aam, dpid: 20915, targetDpid: 777, mode: 'overwrite', gzip: true });
    expect(n.name({ part: 1, parts: 1 })).toBe('ftp_dpm_20915_777_1486140843.overwrite.gz');
    expect(n.gzip).toBe(true);
  });

  it('several parts: .sync.1.gz, .sync.2.gz, ...', () => {
    const n = namingFor({ ...aam, gzip: true });
    expect([1, 2, 3].map((part) => n.name({ part, parts: 3 }))).toEqual([
      'ftp_dpm_1234_1486140843.sync.1.gz',
      'ftp_dpm_1234_1486140843.sync.2.gz',
      'ftp_dpm_1234_1486140843.sync.3.gz',
    ]);
  });

  it('plain unless --gzip', () => {
    const n = namingFor(aam);
    expect(n.gzip).toBe(false);
    expect(n.name({ part: 2, parts: 2 })).toBe('ftp_dpm_1234_1486140843.sync.2');
  });

  it('without --dpid: a configuration error naming --dpid', () => {
    const err = thrown(() => namingFor({ ...base, format: 'aam-inbound' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect(err.message).toMatch(/--dpid is required/);
  });

  it('refuses --partition-by: the AAM name has no place for the value', () => {
    const err = thrown(() => namingFor({ ...aam, partitioned: true }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/--partition-by: an AAM inbound file name .* has no place for the value; give --name with \{partition\}/);
  });

  it('takes the time from config.files.timestamp, or now', () => {
    const config = { to: 'aam-inbound', transport: {}, aamInbound: { dpid: 5, mode: 'sync' as const }, files: { timestamp: 1700000000 } };
    expect(outputNaming(config, undefined, new Date(0)).name({ part: 1, parts: 1 })).toBe('ftp_dpm_5_1700000000.sync');
    const now = new Date('2026-12-02T07:00:00.900Z');
    expect(outputNaming({ ...config, files: {} }, undefined, now).name({ part: 1, parts: 1 })).toBe(`ftp_dpm_5_${Math.floor(now.getTime() / 1000)}.sync`);
  });
});

describe('AEP-style names', () => {
  const aep = { ...base, destination: 'Campaign', segment: '42' };

  it('<destination>_segment<id>_<yyyymmddhhmmss>.csv in UTC', () => {
    const n = namingFor(aep);
    expect(n.style).toBe('aep');
    expect(n.name({ part: 1, parts: 1 })).toBe('Campaign_segment42_20170203165403.csv');
  });

  it('splits are name.csv, name_2.csv, ...', () => {
    const n = namingFor(aep);
    expect([1, 2, 3].map((part) => n.name({ part, parts: 3 }))).toEqual([
      'Campaign_segment42_20170203165403.csv',
      'Campaign_segment42_20170203165403_2.csv',
      'Campaign_segment42_20170203165403_3.csv',
    ]);
  });

  it('the partition value fills the segment, sanitised', () => {
    const n = namingFor({ ...base, destination: 'Campaign', partitioned: true });
    expect(n.name({ partition: 'seg/7 a', part: 1, parts: 2 })).toBe('Campaign_segmentseg_7_a_20170203165403.csv');
    expect(n.name({ partition: 'seg/7 a', part: 2, parts: 2 })).toBe('Campaign_segmentseg_7_a_20170203165403_2.csv');
  });

  it('with gzip: .csv.gz, split as _2.csv.gz', () => {
    const n = namingFor({ ...aep, gzip: true });
    expect(n.name({ part: 2, parts: 2 })).toBe('Campaign_segment42_20170203165403_2.csv.gz');
  });

  it('--destination without --segment or --partition-by is a configuration error', () => {
    const err = thrown(() => namingFor({ ...base, destination: 'Campaign' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/needs --segment <id> or --partition-by <column>/);
  });

  it('the destination is sanitised too', () => {
    expect(namingFor({ ...aep, destination: 'Campaign Managed/Prod' }).name({ part: 1, parts: 1 })).toBe('Campaign_Managed_Prod_segment42_20170203165403.csv');
  });
});

describe('plain --name', () => {
  it('seg.csv, seg_2.csv, ...', () => {
    const n = namingFor({ ...base, template: 'seg.csv' });
    expect([1, 2, 3].map((part) => n.name({ part, parts: 3 }))).toEqual(['seg.csv', 'seg_2.csv', 'seg_3.csv']);
  });

  it('the part number goes before .csv.gz, and a .gz name is gzipped', () => {
    const n = namingFor({ ...base, template: 'seg.csv.gz' });
    expect(n.gzip).toBe(true);
    expect(n.name({ part: 2, parts: 2 })).toBe('seg_2.csv.gz');
  });

  it('--gzip adds .gz', () => {
    const n = namingFor({ ...base, template: 'seg.csv', gzip: true });
    expect(n.name({ part: 1, parts: 1 })).toBe('seg.csv.gz');
  });

  it('a partition value without placeholder comes as _<value> before the extension, sanitised, before the part', () => {
    const n = namingFor({ ...base, template: 'seg.csv', partitioned: true });
    expect(n.name({ partition: 'gold', part: 1, parts: 2 })).toBe('seg_gold.csv');
    expect(n.name({ partition: 'gold', part: 2, parts: 2 })).toBe('seg_gold_2.csv');
    expect(n.name({ partition: 'a b/c:é', part: 1, parts: 1 })).toBe('seg_a_b_c__.csv');
  });

  it('a name without an extension takes the suffixes at its end; a leading dot is no extension', () => {
    const n = namingFor({ ...base, template: 'seg', partitioned: true });
    expect(n.name({ partition: 'x', part: 2, parts: 2 })).toBe('seg_x_2');
    expect(splitExtension('.hidden')).toEqual({ stem: '.hidden', ext: '' });
    expect(splitExtension('a.gz')).toEqual({ stem: 'a', ext: '.gz' });
    expect(splitExtension('a.b.csv')).toEqual({ stem: 'a.b', ext: '.csv' });
  });

  it('a name that is not a plain file name is refused', () => {
    for (const bad of ['a/b.csv', '..', '.']) {
      const err = thrown(() => namingFor({ ...base, template: bad }));
      expect(err, bad).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/does not give a plain file name/);
    }
  });
});

describe('--name templates', () => {
  const all = { ...base, dpid: 1234, targetDpid: 99, mode: 'overwrite' as const, destination: 'Camp', segment: '7' };

  it('fills every placeholder', () => {
    const n = namingFor({ ...all, template: '{dpid}-{target}-{timestamp}-{date}-{mode}-{destination}-{segment}-{part}of{parts}.txt' });
    expect(n.style).toBe('template');
    expect(n.name({ part: 1, parts: 1 })).toBe('1234-99-1486140843-20170203165403-overwrite-Camp-7-1of1.txt');
  });

  it('{.part} follows AAM (nothing for one part), {_part} AEP (nothing on the first)', () => {
    const aam = namingFor({ ...all, template: 'ftp_dpm_{dpid}_{timestamp}.{mode}{.part}.gz' });
    expect(aam.name({ part: 1, parts: 1 })).toBe('ftp_dpm_1234_1486140843.overwrite.gz');
    expect(aam.name({ part: 2, parts: 3 })).toBe('ftp_dpm_1234_1486140843.overwrite.2.gz');
    expect(aam.gzip).toBe(true);
    const aep = namingFor({ ...all, template: 'x{_part}.csv' });
    expect([1, 2].map((part) => aep.name({ part, parts: 2 }))).toEqual(['x.csv', 'x_2.csv']);
  });

  it('a template with a part placeholder gets no _<n> of its own', () => {
    const n = namingFor({ ...all, template: 'p{part}.csv' });
    expect([1, 2].map((part) => n.name({ part, parts: 2 }))).toEqual(['p1.csv', 'p2.csv']);
  });

  it('{partition} places the sanitised value; no _<value> is added then', () => {
    const n = namingFor({ ...all, template: 'aud-{partition}.csv', partitioned: true });
    expect(n.name({ partition: 'Gold Members', part: 1, parts: 2 })).toBe('aud-Gold_Members.csv');
    expect(n.name({ partition: 'Gold Members', part: 2, parts: 2 })).toBe('aud-Gold_Members_2.csv');
  });

  it('{segment} is the partition value when partitioning', () => {
    const n = namingFor({ ...all, template: '{destination}_segment{segment}.csv', partitioned: true });
    expect(n.name({ partition: '55', part: 1, parts: 1 })).toBe('Camp_segment55.csv');
  });

  it('an unknown placeholder is a configuration error listing the known ones', () => {
    const err = thrown(() => namingFor({ ...all, template: 'a{dipd}.csv' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/--name: unknown placeholder \{dipd\} in "a\{dipd\}.csv" \(known: \{dpid\} \{target\}/);
  });

  it('a placeholder whose option is missing is a configuration error naming the option', () => {
    const cases: [string, string][] = [
      ['{dpid}.sync', '--dpid'],
      ['{target}.sync', '--target-dpid'],
      ['{partition}.csv', '--partition-by'],
      ['{segment}.csv', '--segment or --partition-by'],
      ['{destination}.csv', '--destination'],
    ];
    for (const [template, option] of cases) {
      const err = thrown(() => namingFor({ ...base, template }));
      expect(err, template).toBeInstanceOf(ConfigError);
      expect(err.message).toBe(`--name: ${template.slice(0, template.indexOf('}') + 1)} in "${template}" needs ${option}`);
    }
  });

  it('text in braces that is not a placeholder word stays as it is', () => {
    expect(namingFor({ ...base, template: 'a{}b{-}.csv' }).name({ part: 1, parts: 1 })).toBe('a{}b{-}.csv');
  });

  it('a partition value that fills the whole name with .. is refused', () => {
    const n = namingFor({ ...base, template: '{partition}', partitioned: true });
    expect(n.name({ partition: 'ok', part: 1, parts: 1 })).toBe('ok');
    expect(thrown(() => n.name({ partition: '..', part: 1, parts: 1 }))).toBeInstanceOf(ConfigError);
  });
});

describe('the input name', () => {
  it('a directory output without a rule takes the input file name, splits and partitions as a plain --name', () => {
    const n = namingFor({ ...base, inputName: 'sftp://u@h:22/~/in/aud.csv.gz', partitioned: true });
    expect(n.style).toBe('input');
    expect(n.gzip).toBe(true);
    expect(n.name({ partition: 'a', part: 2, parts: 2 })).toBe('aud_a_2.csv.gz');
  });

  it('a URL input loses its query', () => {
    expect(namingFor({ ...base, inputName: 'https://x.org/dir/aud.csv?sig=REDACTED' }).name({ part: 1, parts: 1 })).toBe('aud.csv');
  });

  it('no input name and no rule: the target error of today', () => {
    const err = thrown(() => namingFor(base));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('ERR_TARGET');
    expect(err.message).toMatch(/give --name <file name>/);
  });
});

describe('limits and collisions', () => {
  it('255 bytes pass, 256 are a configuration error (exit 2) giving the length', () => {
    const ok = `${'a'.repeat(MAX_NAME_BYTES - 4)}.csv`;
    expect(namingFor({ ...base, template: ok }).name({ part: 1, parts: 1 })).toBe(ok);
    const err = thrown(() => namingFor({ ...base, template: `a${ok}` }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect(err.message).toMatch(/output file name is 256 bytes long, over the limit of 255/);
  });

  it('the limit also holds once a partition value and a part number are added', () => {
    const n = namingFor({ ...base, template: `${'a'.repeat(240)}.csv`, partitioned: true });
    expect(n.name({ partition: 'abcdefghij', part: 1, parts: 1 })).toHaveLength(255);
    const err = thrown(() => n.name({ partition: 'abcdefghij', part: 2, parts: 2 }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/257 bytes long/);
  });

  it('a non-ASCII name counts its UTF-8 bytes', () => {
    const err = thrown(() => namingFor({ ...base, template: `${'é'.repeat(126)}.csv` }));
    expect(err.message).toMatch(/256 bytes long/);
  });

  it('two partition values that sanitise to one name: ERR_NAME_COLLISION (exit 1) naming both', () => {
    const n = namingFor({ ...base, template: 'seg.csv', partitioned: true });
    expect(n.name({ partition: 'a b', part: 1, parts: 1 })).toBe('seg_a_b.csv');
    // The same file asked again gets the same name.
    expect(n.name({ partition: 'a b', part: 1, parts: 1 })).toBe('seg_a_b.csv');
    const err = thrown(() => n.name({ partition: 'a/b', part: 1, parts: 1 }));
    expect(err).toBeInstanceOf(RunError);
    expect((err as RunError).code).toBe('ERR_NAME_COLLISION');
    expect((err as RunError).exitCode).toBe(1);
    expect(err.message).toBe("output file name seg_a_b.csv is given to two files: partition value 'a b' part 1 and 'a/b' part 1 (in names, characters outside [A-Za-z0-9._-] become _)");
  });

  it("a value that looks like another's part number is caught too: 'x_2' part 1 and 'x' part 2", () => {
    const n = namingFor({ ...base, template: 'seg.csv', partitioned: true });
    expect(n.name({ partition: 'x_2', part: 1, parts: 1 })).toBe('seg_x_2.csv');
    expect(n.name({ partition: 'x', part: 1, parts: 2 })).toBe('seg_x.csv');
    const err = thrown(() => n.name({ partition: 'x', part: 2, parts: 2 }));
    expect((err as RunError).code).toBe('ERR_NAME_COLLISION');
    expect(err.message).toContain("partition value 'x_2' part 1 and 'x' part 2");
  });

  it('sanitizePartition keeps [A-Za-z0-9._-] and replaces every other character (UTF-16 unit) by _', () => {
    expect(sanitizePartition('Az09._-')).toBe('Az09._-');
    expect(sanitizePartition('a b\tc/d\\e:f*g"h\0')).toBe('a_b_c_d_e_f_g_h_');
    expect(sanitizePartition('é😀')).toBe('___');
    expect(sanitizePartition('')).toBe('');
  });

  it('a part outside 1..parts is an internal error', () => {
    const n = namingFor({ ...base, template: 'x.csv' });
    expect((thrown(() => n.name({ part: 3, parts: 2 })) as RunError).code).toBe('ERR_INTERNAL');
    expect((thrown(() => n.name({ part: 0, parts: 2 })) as RunError).code).toBe('ERR_INTERNAL');
  });
});

describe('outputNaming(config)', () => {
  it('reads --name, --to, files.* and aamInbound.* of the configuration', () => {
    const config = {
      to: 'aep-csv',
      transport: {},
      files: { timestamp: T, destination: 'Dest', partitionBy: 'seg', gzip: false },
      aamInbound: { mode: 'sync' as const },
    };
    const n = outputNaming(config, 'in.csv', new Date());
    expect(n.name({ partition: '9', part: 1, parts: 1 })).toBe('Dest_segment9_20170203165403.csv');
    expect(outputNaming({ ...config, transport: { name: 'x.csv' } }, 'in.csv', new Date()).name({ partition: '9', part: 1, parts: 1 })).toBe('x_9.csv');
  });
});

describe('any partition value', () => {
  it('gives a plain file name whose value part holds only [A-Za-z0-9._-], or a configuration error for a long one', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 1, max: 12 }), (value, parts) => {
        const n = namingFor({ ...base, template: 'aud.csv.gz', partitioned: true });
        for (let part = 1; part <= parts; part++) {
          let name: string;
          try {
            name = n.name({ partition: value, part, parts });
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            expect(Buffer.byteLength(`aud_${sanitizePartition(value)}${part > 1 ? `_${part}` : ''}.csv.gz`)).toBeGreaterThan(MAX_NAME_BYTES);
            continue;
          }
          expect(name).toBe(`aud_${sanitizePartition(value)}${part > 1 ? `_${part}` : ''}.csv.gz`);
          expect(name).toMatch(/^aud_[A-Za-z0-9._-]*\.csv\.gz$/);
          expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

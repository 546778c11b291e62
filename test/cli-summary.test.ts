/** The summary a person reads at a terminal names every kind of record and the files written. */
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const { humanSummary } = await import(`${ROOT}/dist/cli/summary.js`);

const base = {
  status: 'ok', input: 'in.csv', output: 'out/', recordsIn: 1000, recordsOut: 900, recordsRejected: 60, recordsDeduplicated: 40,
  blankLines: 0, rejectReasons: { missing_mandatory: 60 }, rejectsTruncated: 0, columns: {}, bytesIn: 1e6, bytesOut: 9e5,
  durationMs: 1000, workers: 2, maxRssBytes: 1,
};

describe('humanSummary', () => {
  it('counts deduplicated records beside the rejected ones, so the four figures add up on screen', () => {
    const text: string = humanSummary(base, { duplicates: 'dups.csv' });
    expect(text).toContain('1,000 records in, 900 out, 60 rejected (60 missing_mandatory), 40 deduplicated');
    expect(text).toMatch(/dupes +dups\.csv/);
  });
  it('says how many files and partitions a routed run wrote', () => {
    const files = [{ name: 'a.csv', records: 500, bytes: 1, md5: '' }, { name: 'b.csv', records: 400, bytes: 1, md5: '' }];
    expect(humanSummary({ ...base, files, partitions: { a: 500, b: 400 } }, {})).toMatch(/output +out\/ \(2 files, 2 partitions\)/);
    expect(humanSummary({ ...base, recordsDeduplicated: 0, recordsRejected: 100, rejectReasons: {} }, {})).not.toContain('deduplicated');
  });
});

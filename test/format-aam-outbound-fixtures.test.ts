/**
 * The hand-written AAM outbound batch (fixtures/aam-outbound/: three parts of one batch, the
 * third gzipped; the IDs are declared IDs encrypted with DOMAIN.md's AES test key and IV) read
 * with `--from aam-outbound` and written as CSV with the IDs decrypted or hashed: the round trip
 * "AAM outbound in, CSV out" against the rows the test expects of each part.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const DIR = join(ROOT, 'fixtures', 'aam-outbound');
const ROOT_NAME = 'ftp_1234_20915_iter_1486140843000';
const KEY = '0123456789ABCDEF0123456789ABCDEF';
const IV = '0123456789ABCDEFFEDCBA9876543210';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Each part's rows as the test expects them: e-mail, qualified segments, removed segments. */
const PARTS: Record<string, [string, string, string][]> = {
  [`${ROOT_NAME}001.sync`]: [
    ['johndoe@example.com', '4521,4533,4590', '4410'],
    ['janedoe@example.com', '4521', '4410,4412'],
    ['max@example.org', '4533,4590', ''],
    ['sam@example.net', '4590', '4521'],
  ],
  [`${ROOT_NAME}002.sync`]: [
    ['zoe.muller@example.com', '4521,4533', '4590'],
    ['lee@example.com', '4533', ''],
    ['ana@example.com', '4521,4590', '4533'],
  ],
  [`${ROOT_NAME}003.sync.gz`]: [
    ['kim@example.com', '4521,4533,4590', ''],
    ['raj@example.com', '4590', '4521,4533'],
    ['eva@example.com', '4533', '4590'],
  ],
};

describe('the AAM outbound fixture batch', () => {
  const tmp = tempDir('ap-aam-fixtures-');
  afterAll(() => tmp.cleanup());
  const keyFile = join(tmp.dir, 'key.hex');
  writeFileSync(keyFile, `${KEY}\n`);

  it('holds the three data parts named as AAM names them, one of them gzip', () => {
    const data = readdirSync(DIR).filter((f) => !f.endsWith('.info'));
    expect(data.sort()).toEqual(Object.keys(PARTS).sort());
  });

  it('the batch as a directory: the parts in name order, checked against its .info, the IDs decrypted, line numbers per part', async () => {
    const report = join(tmp.dir, 'batch.json');
    const r = await runCli(['process', '--from', 'aam-outbound', '--in', `${DIR}/`, '--decrypt', 'id', '--aes-key-file', keyFile, '--aes-iv', IV, '--report', report, '--workers', '2', '--chunk-size', '64']);
    expect(r.code).toBe(0);
    const all = Object.keys(PARTS).sort().flatMap((p) => PARTS[p]);
    expect(r.stdout.toString().split('\n')[0]).toBe('id,segments,removed_segments');
    expect(parse(r.stdout, { columns: true })).toEqual(all.map(([id, segments, removed_segments]) => ({ id, segments, removed_segments })));
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.recordsIn).toBe(10);
    expect(rep.recordsOut).toBe(10);
    expect(rep.blankLines).toBe(1);
    expect(rep.columns.id).toMatchObject({ decrypted: 10 });
  });

  for (const [part, rows] of Object.entries(PARTS)) {
    it(`${part}: --decrypt id gives the e-mails, the segment lists as CSV fields`, async () => {
      const report = join(tmp.dir, `${part}.json`);
      const r = await runCli(['process', '--from', 'aam-outbound', '--in', join(DIR, part), '--decrypt', 'id', '--aes-key-file', keyFile, '--aes-iv', IV, '--report', report]);
      expect(r.code).toBe(0);
      expect(parse(r.stdout, { columns: true })).toEqual(rows.map(([id, segments, removed_segments]) => ({ id, segments, removed_segments })));
      const hashed = await runCli(['process', '--from', 'aam-outbound', '--in', join(DIR, part), '--hash', 'id=sha256']);
      expect(hashed.code).toBe(0);
      const out = parse(hashed.stdout, { columns: true }) as { id: string; segments: string }[];
      expect(out.map((o) => o.segments)).toEqual(rows.map((row) => row[1]));
      // The hash of the ID as it came (the ciphertext); no ID of the input reaches the output.
      const raw = part.endsWith('.gz') ? gunzipSync(readFileSync(join(DIR, part))) : readFileSync(join(DIR, part));
      const ids = raw.toString().split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.trim().split(/[ \t]+/)[0]);
      expect(out.map((o) => o.id)).toEqual(ids.map(sha));
      for (const id of ids) expect(hashed.stdout.toString()).not.toContain(id);
      // DOMAIN.md's ciphertext of johndoe@example.com opens the first part.
      if (part.endsWith('001.sync')) expect(ids[0]).toBe('a4e70c52b4ca4a338d6d0ea25986355284f6ea47bb275506e61fa25b4ec4d365');
    });
  }
});

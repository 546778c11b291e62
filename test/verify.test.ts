/**
 * `.info` transfer-control files (src/batch/info.ts, verify.ts): parsing (JSON and JSON5 with
 * unquoted keys), the writer's body read back, line counting, and `audience-pipe verify` on the
 * three-part fixture batch and on tampered copies of it (one byte changed, one line removed, a
 * part missing, a part not listed), each with its line, message and exit code.
 */
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { countLines, infoBody, infoNameFor, LineCounter, parseInfo } from '../src/batch/info.js';
import { readInfo } from '../src/batch/batch-source.js';
import { batchError, checkBatch, measurePart, type BatchPart } from '../src/batch/verify.js';
import { RunError } from '../src/errors/errors.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FIXTURE = join(ROOT, 'fixtures', 'aam-outbound');
const ROOT_NAME = 'ftp_1234_20915_iter_1486140843000';
const INFO = `${ROOT_NAME}.info`;
// The readers' batch: two plain parts (the second with CRLF and a blank line), the third gzip.
const P1 = `${ROOT_NAME}001.sync`;
const P2 = `${ROOT_NAME}002.sync`;
const P3 = `${ROOT_NAME}003.sync.gz`;
const { dir, cleanup } = tempDir('ap-verify-');
afterAll(cleanup);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

let copies = 0;
/** A copy of the fixture batch to tamper with. */
function batchCopy(): string {
  const to = join(dir, `batch-${++copies}`);
  cpSync(FIXTURE, to, { recursive: true });
  return to;
}

function memoryPart(name: string, bytes: Buffer, pieceSize = 7): BatchPart {
  return {
    name,
    open: async () =>
      (async function* pieces() {
        for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, i + pieceSize);
      })(),
  };
}

function thrown(fn: () => unknown): RunError {
  try {
    fn();
  } catch (err) {
    return err as RunError;
  }
  throw new Error('expected a throw');
}

describe('parseInfo', () => {
  it('reads the fixture: unquoted keys, comments, trailing commas (JSON5)', () => {
    const info = parseInfo(readFileSync(join(FIXTURE, INFO), 'utf8'), INFO);
    expect(info.files.map((f) => [f.name, f.sequence, f.bytes, f.lines])).toEqual([[P1, 1, 252, 4], [P2, 2, 172, 4], [P3, 3, 113, 3]]);
    expect(info.totals).toEqual({ name: `${ROOT_NAME}.sync`, bytes: 537, files: 3, lines: 11 });
  });

  it('reads plain JSON as AAM writes it, with a BOM, keys in another case and counts as text', () => {
    const text = '\uFEFF{"files":[{"FileByteSize":"10","FileLineCount":1,"fileName":"a.sync","FileSequenceNumber":1,"MD5":"0123456789ABCDEF0123456789abcdef"}],"Totals":{"FileName":"a","TotalByteSize":10,"TotalNumberFiles":1,"TotalNumberLines":1}}';
    expect(parseInfo(text, 'a.info').files).toEqual([{ name: 'a.sync', bytes: 10, lines: 1, md5: '0123456789abcdef0123456789abcdef', sequence: 1 }]);
  });

  it('sorts the files by FileSequenceNumber', () => {
    const body = JSON.parse(infoBody([{ name: 'a', bytes: 1, lines: 1, md5: md5(Buffer.from('a')) }, { name: 'b', bytes: 1, lines: 1, md5: md5(Buffer.from('b')) }], 'x')) as { Files: { FileSequenceNumber: number }[] };
    body.Files[0].FileSequenceNumber = 9;
    expect(parseInfo(JSON.stringify(body), 'x.info').files.map((f) => f.name)).toEqual(['b', 'a']);
  });

  it('every malformed body is ERR_INFO naming the file and what is wrong', () => {
    const good = { FileByteSize: 1, FileLineCount: 1, FileName: 'a', FileSequenceNumber: 1, md5: 'd41d8cd98f00b204e9800998ecf8427e' };
    const totals = { FileName: 'a', TotalByteSize: 1, TotalNumberFiles: 1, TotalNumberLines: 1 };
    const cases: [string, RegExp][] = [
      ['{Files: [', /^x\.info: not a JSON or JSON5 body: invalid end of input at 1:10$/],
      ['[]', /^x\.info: the body is not an object$/],
      [JSON.stringify({ Totals: totals }), /^x\.info: the body has no Files$/],
      [JSON.stringify({ Files: {}, Totals: totals }), /Files is not a list/],
      [JSON.stringify({ Files: [good] }), /the body has no Totals/],
      [JSON.stringify({ Files: [{ ...good, md5: 'xyz' }], Totals: totals }), /Files\[0\]\.md5 is not 32 hex digits: "xyz"/],
      [JSON.stringify({ Files: [{ ...good, FileByteSize: -1 }], Totals: totals }), /Files\[0\]\.FileByteSize is not a count: -1/],
      [JSON.stringify({ Files: [{ ...good, FileLineCount: 1.5 }], Totals: totals }), /Files\[0\]\.FileLineCount is not a count: 1.5/],
      [JSON.stringify({ Files: [{ ...good, FileName: 3 }], Totals: totals }), /Files\[0\]\.FileName is not a string/],
      [JSON.stringify({ Files: [{ ...good, FileName: '' }], Totals: totals }), /Files\[0\]\.FileName is empty/],
      [JSON.stringify({ Files: [good, good], Totals: totals }), /a is listed twice in Files/],
      [JSON.stringify({ Files: [good], Totals: { ...totals, TotalNumberLines: 'many' } }), /Totals\.TotalNumberLines is not a count: "many"/],
    ];
    for (const [text, message] of cases) {
      const err = thrown(() => parseInfo(text, 'x.info'));
      expect(err, text).toBeInstanceOf(RunError);
      expect(err.code).toBe('ERR_INFO');
      expect(err.exitCode).toBe(1);
      expect(err.message, text).toMatch(message);
    }
  });
});

describe('readInfo', () => {
  const signal = new AbortController().signal;
  const rejects = async (part: BatchPart): Promise<RunError> => {
    try {
      await readInfo(part, signal);
    } catch (err) {
      return err as RunError;
    }
    throw new Error('expected a rejection');
  };

  it('reads a gzipped .info too, in pieces, with a multi-byte file name', async () => {
    const text = infoBody([{ name: 'caf\u00e9.sync', bytes: 1, lines: 1, md5: md5(Buffer.from('a')) }], 'b');
    const { body, shown } = await readInfo(memoryPart('x.info', gzipSync(text), 3), signal);
    expect(shown).toBe('x.info');
    expect(body.files[0].name).toBe('caf\u00e9.sync');
  });

  it('a body that is not UTF-8: ERR_INFO naming the byte', async () => {
    const bad = Buffer.concat([Buffer.from('{Files: [{FileName: "caf\u00e9'), Buffer.from([0xe9]), Buffer.from('"}]}')]);
    const err = await rejects(memoryPart('x.info', bad));
    expect(err.code).toBe('ERR_INFO');
    expect(err.message).toBe('x.info: not UTF-8 (byte 27 is not part of a UTF-8 character)');
  });

  it('a body over 16 MiB is not a .info: ERR_INFO, read no further', async () => {
    const err = await rejects(memoryPart('big.info', Buffer.alloc((16 << 20) + 1, 0x20), 1 << 20));
    expect(err.code).toBe('ERR_INFO');
    expect(err.message).toBe(`big.info: over ${16 << 20} bytes: not a .info file`);
  });
});

describe('an aborted check', () => {
  it('stops between reads with the reason', async () => {
    const controller = new AbortController();
    let reads = 0;
    const part: BatchPart = {
      name: 'p',
      open: async () =>
        (async function* endless() {
          for (;;) {
            if (++reads === 3) controller.abort(new Error('stop now'));
            yield Buffer.from('line\n');
          }
        })(),
    };
    await expect(measurePart(part, controller.signal)).rejects.toThrow('stop now');
    expect(reads).toBe(3);
  });
});

describe('line counts', () => {
  it('count line feeds and a last line without one; blank lines count, CRLF once, CR alone never', () => {
    const cases: [string, number][] = [['', 0], ['a', 1], ['a\n', 1], ['a\nb', 2], ['\n\n\n', 3], ['a\r\nb\r\n', 2], ['a\rb\r', 1], ['a\n\nb\n', 3]];
    for (const [text, lines] of cases) expect(countLines(Buffer.from(text)), JSON.stringify(text)).toBe(lines);
  });

  it('the same in pieces as in one', () => {
    const text = Buffer.from('x\n\ny\nzz\n\nw');
    for (let size = 1; size <= text.length; size++) {
      const c = new LineCounter();
      for (let i = 0; i < text.length; i += size) c.add(text.subarray(i, i + size));
      expect(c.lines, String(size)).toBe(6);
    }
  });
});

describe('infoBody', () => {
  it('writes a body that parses back and checks the files it lists', async () => {
    const a = Buffer.from('id1\td_sid=1\nid2\td_sid=2\n');
    const b = gzipSync(Buffer.from('id3\td_sid=3\n\nid4\td_sid=4'));
    const files = [
      { name: 'ftp_dpm_1234_1700000000.sync.1', bytes: a.length, lines: 2, md5: md5(a) },
      { name: 'ftp_dpm_1234_1700000000.sync.2.gz', bytes: b.length, lines: 3, md5: md5(b).toUpperCase() },
    ];
    const text = infoBody(files, 'ftp_dpm_1234_1700000000.sync');
    const info = parseInfo(text, 'w.info');
    expect(info.totals).toEqual({ name: 'ftp_dpm_1234_1700000000.sync', bytes: a.length + b.length, files: 2, lines: 5 });
    const check = await checkBatch(info, 'w.info', [memoryPart(files[0].name, a), memoryPart(files[1].name, b)], new AbortController().signal);
    expect(check.ok).toBe(true);
    expect(check.parts.map((p) => p.status)).toEqual(['ok', 'ok']);
  });

  it('a FileName with a directory in front matches the part of that name', async () => {
    const a = Buffer.from('x\n');
    const info = parseInfo(infoBody([{ name: 'outbound/2017/a.sync', bytes: 2, lines: 1, md5: md5(a) }], 'a'), 'a.info');
    const check = await checkBatch(info, 'a.info', [memoryPart('sftp://u@h:22/~/in/a.sync', a)], new AbortController().signal);
    expect(check.ok).toBe(true);
  });

  it('names the .info after the batch root', () => {
    expect(infoNameFor('ftp_dpm_1234_1700000000.sync.gz')).toBe('ftp_dpm_1234_1700000000.info');
    expect(infoNameFor('ftp_dpm_1234_1700000000.overwrite')).toBe('ftp_dpm_1234_1700000000.info');
    expect(infoNameFor('batch')).toBe('batch.info');
  });
});

describe('measurePart', () => {
  it('size and MD5 of the bytes as stored, lines of the gunzipped content, in any piece size', async () => {
    const plain = Buffer.from('a b c\n\nd e\n');
    const gz = gzipSync(plain);
    for (const size of [1, 2, 5, 1000]) {
      expect(await measurePart(memoryPart('p.gz', gz, size), new AbortController().signal)).toEqual({ bytes: gz.length, md5: md5(gz), lines: 3 });
    }
  });

  it('a truncated gzip part: its size and MD5 all the same, its lines unknown with the reason', async () => {
    const gz = gzipSync(Buffer.from('a\nb\nc\n'.repeat(100)));
    const cut = gz.subarray(0, gz.length - 10);
    const figures = await measurePart(memoryPart('p.gz', cut), new AbortController().signal);
    expect(figures).toMatchObject({ bytes: cut.length, md5: md5(cut), lines: undefined });
    expect(figures.decodeError).toMatch(/unexpected end of file/);
  });
});

describe('audience-pipe verify', () => {
  it('the fixture batch: one ok line per part and the totals, exit 0', async () => {
    const res = await runCli(['verify', join(FIXTURE, INFO)]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.toString().split('\n').filter(Boolean)).toEqual([
      `ok        ${P1}  252 bytes, 4 lines, md5 8ada5c03658407df87bd12a20460bf91`,
      `ok        ${P2}  172 bytes, 4 lines, md5 15d448081e1548167cadb6ddb4bea11f`,
      `ok        ${P3}  113 bytes, 3 lines, md5 55128fe4680050889883ef391118624d`,
      'ok        totals',
    ]);
  });

  it('one byte changed in a plain part: its md5, exit 1 ERR_INFO_MISMATCH', async () => {
    const b = batchCopy();
    const bytes = readFileSync(join(b, P1));
    bytes[5] = bytes[5] === 0x38 ? 0x39 : 0x38;
    writeFileSync(join(b, P1), bytes);
    const res = await runCli(['verify', join(b, INFO)]);
    expect(res.code).toBe(1);
    const lines = res.stdout.toString().split('\n').filter(Boolean);
    expect(lines[0]).toBe(`MISMATCH  ${P1}  md5 expected 8ada5c03658407df87bd12a20460bf91, actual ${md5(bytes)}`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^ok {8}/), expect.stringMatching(/^ok {8}/), 'ok        totals']);
    expect(res.stderr).toBe(`audience-pipe: the batch does not match ${INFO}: ${P1}: md5 expected 8ada5c03658407df87bd12a20460bf91, actual ${md5(bytes)}\n`);
  });

  it('one byte changed in a gzip part: its md5, and its lines cannot be counted', async () => {
    const b = batchCopy();
    const bytes = readFileSync(join(b, P3));
    bytes[20] ^= 0xff;
    writeFileSync(join(b, P3), bytes);
    const res = await runCli(['verify', join(b, INFO)]);
    expect(res.code).toBe(1);
    const line = res.stdout.toString().split('\n')[2];
    expect(line).toMatch(new RegExp(`^MISMATCH  ${P3}  md5 expected 55128fe4680050889883ef391118624d, actual ${md5(bytes)}; FileLineCount expected 3, actual unknown: the content does not decode \\(.+\\)$`));
  });

  it('one line removed from the gzip part: size, md5, lines and the totals', async () => {
    const b = batchCopy();
    const text = gunzipSync(readFileSync(join(b, P3))).toString();
    const shorter = gzipSync(text.slice(text.indexOf('\n') + 1));
    writeFileSync(join(b, P3), shorter);
    const res = await runCli(['verify', join(b, INFO)]);
    expect(res.code).toBe(1);
    const lines = res.stdout.toString().split('\n').filter(Boolean);
    expect(lines[2]).toBe(`MISMATCH  ${P3}  FileByteSize expected 113, actual ${shorter.length}; md5 expected 55128fe4680050889883ef391118624d, actual ${md5(shorter)}; FileLineCount expected 3, actual 2`);
    expect(lines[3]).toBe(`MISMATCH  totals  TotalByteSize expected 537, actual ${537 - 113 + shorter.length}; TotalNumberLines expected 11, actual 10`);
    expect(res.stderr).toMatch(/^audience-pipe: the batch does not match .*: .*003\.sync\.gz: FileByteSize expected 113/);
  });

  it('a part missing: MISSING, exit 1', async () => {
    const b = batchCopy();
    rmSync(join(b, P2));
    const res = await runCli(['verify', join(b, INFO)]);
    expect(res.code).toBe(1);
    expect(res.stdout.toString().split('\n')[1]).toBe(`MISSING   ${P2}  listed in ${INFO} (FileSequenceNumber 2) but not found`);
    expect(res.stderr).toContain(`${P2}: listed in ${INFO} (FileSequenceNumber 2) but not found`);
  });

  it('a part of the batch that is not listed: UNLISTED, exit 1; another batch beside it is not counted', async () => {
    const b = batchCopy();
    writeFileSync(join(b, `${ROOT_NAME}004.sync`), 'x 1\n');
    writeFileSync(join(b, 'ftp_1234_20915_iter_1486140999000001.sync'), 'y 2\n');
    const res = await runCli(['verify', join(b, INFO)]);
    expect(res.code).toBe(1);
    const lines = res.stdout.toString().split('\n').filter(Boolean);
    expect(lines).toHaveLength(5);
    expect(lines[3]).toBe(`UNLISTED  ${ROOT_NAME}004.sync  not listed in ${INFO}`);
    expect(lines[4]).toBe('MISMATCH  totals  TotalNumberFiles expected 3, actual 4');
  });

  it('a .info that does not parse: exit 1 ERR_INFO with the position', async () => {
    const b = batchCopy();
    writeFileSync(join(b, INFO), '{ Files: [ { FileName: "a" ');
    const res = await runCli(['verify', join(b, INFO)]);
    expect(res.code).toBe(1);
    expect(res.stdout.toString()).toBe('');
    expect(res.stderr).toMatch(/^audience-pipe: .*\.info: not a JSON or JSON5 body: invalid end of input at 1:\d+\n$/);
  });

  it('a .info that does not exist: exit 1', async () => {
    const res = await runCli(['verify', join(dir, 'none.info')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`audience-pipe: verify: cannot read ${join(dir, 'none.info')}: ENOENT\n`);
  });
});

describe('verifyBatch (the library)', () => {
  it('resolves with every part\'s outcome, matching or not', async () => {
    const { verifyBatch } = await import('../src/index.js');
    const ok = await verifyBatch(join(FIXTURE, INFO));
    expect(ok.ok).toBe(true);
    expect(ok.parts.map((p) => [p.name, p.status])).toEqual([[P1, 'ok'], [P2, 'ok'], [P3, 'ok']]);
    const b = batchCopy();
    rmSync(join(b, P1));
    const bad = await verifyBatch(join(b, INFO));
    expect(bad.ok).toBe(false);
    expect(bad.parts[0]).toMatchObject({ name: P1, status: 'missing' });
    expect(bad.totals).toEqual(['TotalNumberFiles expected 3, actual 2', 'TotalByteSize expected 537, actual 285', 'TotalNumberLines expected 11, actual 7']);
  });

  it('an https:// .info is a usage error (exit 2): nothing can be listed beside it', async () => {
    const res = await runCli(['verify', 'https://example.org/x.info']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('verify: the files beside an https:// .info cannot be listed; check an HTTPS batch with process --in <url> --info <url>');
  });
});

describe('batchError', () => {
  it('takes the first problem\'s code and lists every problem', async () => {
    const info = parseInfo(infoBody([{ name: 'a', bytes: 1, lines: 1, md5: md5(Buffer.from('a')) }, { name: 'b', bytes: 1, lines: 1, md5: md5(Buffer.from('b')) }], 'x'), 'x.info');
    const check = await checkBatch(info, 'x.info', [memoryPart('a', Buffer.from('a')), memoryPart('c', Buffer.from('c'))], new AbortController().signal);
    const err = batchError(check)!;
    expect(err.code).toBe('ERR_INFO_PART_MISSING');
    expect(err.message).toBe('the batch does not match x.info (nothing was published): b: listed in x.info (FileSequenceNumber 2) but not found; c: not listed in x.info; totals: TotalByteSize expected 2, actual 1; totals: TotalNumberLines expected 2, actual 1');
    const unlisted = await checkBatch(info, 'x.info', [memoryPart('a', Buffer.from('a')), memoryPart('b', Buffer.from('b')), memoryPart('c', Buffer.from('c'))], new AbortController().signal);
    expect(batchError(unlisted)!.code).toBe('ERR_INFO_PART_UNLISTED');
    expect(readdirSync(FIXTURE)).toContain(INFO);
  });
});

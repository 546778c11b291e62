/** Value rules through the chunk processor, with the known-answer vectors of DOMAIN.md. */
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Op, type ColumnOp } from '../src/protocol/messages.js';
import { runEngine } from './helpers/engine.js';

const KEY = Buffer.from('0123456789ABCDEF0123456789ABCDEF', 'hex');
const IV = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function cols(spec: Record<string, Op>): (header: string[]) => ColumnOp[] {
  return (header) => Object.entries(spec).map(([name, op]) => ({ index: header.indexOf(name), name, op }));
}

async function transform(csv: string, spec: Record<string, Op>, init: Record<string, unknown> = {}) {
  return runEngine(Buffer.from(csv), { chunkSize: 1 << 16, columns: cols(spec), init: { aesKey: KEY, aesIv: IV, ...init } });
}

describe('email_lc_sha256', () => {
  it('matches the DOMAIN.md vector, before and after normalising', async () => {
    const run = await transform('email\njohndoe@example.com\n"  JohnDoe@Example.COM "\n', { email: Op.EmailSha256 });
    expect(run.output.toString()).toBe(
      'email\n55e79200c1635b37ad31a378c39feb12f120f116625093a19bc32fff15041149\n55e79200c1635b37ad31a378c39feb12f120f116625093a19bc32fff15041149\n',
    );
  });

  it('passes a 64-hex value through lowercased, keeps empty empty, rejects invalid addresses', async () => {
    const hashed = 'AB'.repeat(32);
    const run = await transform(`id,email\n1,${hashed}\n2,\n3,"   "\n4,no-at-sign\n5,a@b@c\n6,a b@c\n7,@x\n8,ü@exämple.de\n`, { email: Op.EmailSha256 });
    expect(run.output.toString()).toBe(`id,email\n1,${hashed.toLowerCase()}\n2,\n3,\n8,${sha('ü@exämple.de')}\n`);
    expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([
      [5, 'invalid_email', 1],
      [6, 'invalid_email', 1],
      [7, 'invalid_email', 1],
      [8, 'invalid_email', 1],
    ]);
  });

  it('rejects a field that is not valid UTF-8, and never decodes untouched fields', async () => {
    const input = Buffer.concat([Buffer.from('name,email\n'), Buffer.from([0xff, 0xfe]), Buffer.from(',a@b.c\nx,'), Buffer.from([0xc3]), Buffer.from('@b.c\n')]);
    const run = await runEngine(input, { chunkSize: 64, columns: cols({ email: Op.EmailSha256 }) });
    // The invalid bytes of the untouched column pass through as they were.
    expect(run.output.equals(Buffer.concat([Buffer.from('name,email\n'), Buffer.from([0xff, 0xfe]), Buffer.from(`,${sha('a@b.c')}\n`)]))).toBe(true);
    expect(run.rejects).toMatchObject([{ line: 3, reason: 'invalid_utf8', column: 1 }]);
  });
});

describe('phone_sha256 and phone_sha256_e164', () => {
  it('hashes E.164 digits without + (and with + for _e164), per the vectors', async () => {
    const csv = 'p,q\n+1 415 555 2671 x123,+1 415 555 2671\n"(415) 555-2671",0014155552671\n';
    const run = await transform(csv, { p: Op.PhoneSha256, q: Op.PhoneSha256E164 }, { defaultCountry: 'US' });
    const plain = '758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0';
    const e164 = 'cb6880e416769253645cb9c6b8989154bf66a56a77fc14c81fb1019663cbb928';
    expect(run.output.toString()).toBe(`p,q\n${plain},${e164}\n${plain},${e164}\n`);
  });

  it('reads national numbers with the default country and rejects them without one', async () => {
    const gb = await transform('p\n020 7946 0958\n+44 (0)20 7946 0958\n', { p: Op.PhoneSha256 }, { defaultCountry: 'GB' });
    expect(gb.output.toString()).toBe(`p\n${sha('442079460958')}\n${sha('442079460958')}\n`);
    const it_ = await transform('p\n06 1234 5678\n', { p: Op.PhoneSha256 }, { defaultCountry: 'IT' });
    expect(it_.output.toString()).toBe(`p\n${sha('390612345678')}\n`);
    const none = await transform('p\n020 7946 0958\n+442079460958\n12\n\n', { p: Op.PhoneSha256 });
    expect(none.output.toString()).toBe(`p\n${sha('442079460958')}\n`);
    expect(none.rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, 'invalid_phone'],
      [4, 'invalid_phone'],
    ]);
  });
});

describe('sha256 and sha256_lc', () => {
  it('always hash the trimmed value, a 64-hex ID too, and keep empty empty', async () => {
    const hex = 'a'.repeat(64);
    const run = await transform(`a,b\n" ID-1 ", ID-1 \n${hex},\n`, { a: Op.Sha256, b: Op.Sha256Lc });
    expect(run.output.toString()).toBe(`a,b\n${sha('ID-1')},${sha('id-1')}\n${sha(hex)},\n`);
  });
});

describe('AES-CBC', () => {
  it('encrypts the DOMAIN.md vector, equal to createCipheriv per record, hex and base64', async () => {
    const run = await transform('id,x\njohndoe@example.com,1\n,2\n', { id: Op.Encrypt });
    expect(run.output.toString()).toBe('id,x\na4e70c52b4ca4a338d6d0ea25986355284f6ea47bb275506e61fa25b4ec4d365,1\n,2\n');
    const b64 = await transform('id\njohndoe@example.com\n', { id: Op.Encrypt }, { cipherEncoding: 'base64' });
    const c = createCipheriv('aes-128-cbc', KEY, IV);
    expect(b64.output.toString()).toBe(`id\n${Buffer.concat([c.update('johndoe@example.com'), c.final()]).toString('base64')}\n`);
  });

  it('decrypts hex in any case, quotes plaintexts that need it, rejects bad ciphertexts', async () => {
    const enc = (s: string): string => {
      const c = createCipheriv('aes-128-cbc', KEY, IV);
      return Buffer.concat([c.update(s, 'utf8'), c.final()]).toString('hex');
    };
    const badPadding = (() => {
      const c = createCipheriv('aes-128-cbc', KEY, IV);
      c.setAutoPadding(false);
      return Buffer.concat([c.update(Buffer.alloc(16, 0x41)), c.final()]).toString('hex');
    })();
    const csv = `id\n${enc('johndoe@example.com').toUpperCase()}\n${enc('a,"b"')}\nzz\n${enc('x').slice(0, 30)}\n${badPadding}\n\n`;
    const run = await transform(csv, { id: Op.Decrypt });
    expect(run.output.toString()).toBe('id\njohndoe@example.com\n"a,""b"""\n');
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([
      [4, 'bad_ciphertext'],
      [5, 'bad_ciphertext'],
      [6, 'bad_ciphertext'],
    ]);
  });

  it('round-trips many records of every length through encrypt then decrypt', async () => {
    const values = Array.from({ length: 300 }, (_, i) => 'é'.repeat(i % 7) + 'x'.repeat(i % 50));
    const csv = 'v\n' + values.map((v) => v || 'k').join('\n') + '\n';
    const encrypted = await transform(csv, { v: Op.Encrypt });
    const decrypted = await runEngine(encrypted.output, { chunkSize: 777, columns: cols({ v: Op.Decrypt }), init: { aesKey: KEY, aesIv: IV } });
    expect(decrypted.output.toString()).toBe(csv);
  });
});

describe('rejected records', () => {
  it('leave nothing behind: hashes queued before the failing field are dropped with the record', async () => {
    // Row 1's e-mail is hashed (queued for the chunk's batch) before its phone fails; the rows
    // after it must get their own digests in their own places.
    // The ids differ in length, so a leftover digest would land on the next record's bytes.
    const csv = 'id,email,phone\n1,first@x.io,12\n1234567,d@e.f,+14155552671\n3,bad,+14155552672\n44,g@h.i,+14155552673\n';
    const run = await transform(csv, { email: Op.EmailSha256, phone: Op.PhoneSha256 }, { defaultCountry: 'US' });
    expect(run.output.toString()).toBe(
      `id,email,phone\n1234567,${sha('d@e.f')},${sha('14155552671')}\n44,${sha('g@h.i')},${sha('14155552673')}\n`,
    );
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[2, 'invalid_phone'], [4, 'invalid_email']]);
  });
});

describe('the first failing column is reported', () => {
  it('names the earliest column in header order', async () => {
    const run = await transform('email,phone\nbad,12\n', { phone: Op.PhoneSha256, email: Op.EmailSha256 }, { defaultCountry: 'US' });
    expect(run.rejects).toEqual([{ line: 2, reason: 'invalid_email', column: 0, record: 'bad,12' }]);
  });
});

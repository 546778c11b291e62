/** Several data sources, several AES keys, one run: each column is protected with its own key. */
import { createDecipheriv } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const CRM = { key: '00'.repeat(16), iv: '0f'.repeat(16) };
const MAIL = { key: '2a'.repeat(32), iv: 'f0'.repeat(16) };
const INPUT = 'crm_id,email\nC-1,a@x.example\nC-2,\n C-3 ,"b,c@x.example"\n';

let dir: string;
let cleanup: () => void;
let config: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(join(dir, 'crm.hex'), CRM.key);
  writeFileSync(join(dir, 'mail.hex'), MAIL.key);
  config = join(dir, 'job.json');
  const keys = { crm: { keyFile: join(dir, 'crm.hex'), iv: CRM.iv }, mail: { keyFile: join(dir, 'mail.hex'), iv: MAIL.iv, cipherEncoding: 'base64' } };
  writeFileSync(config, JSON.stringify({ keys }));
});
afterAll(() => cleanup());

const decrypt = (text: string, k: { key: string; iv: string }, encoding: 'hex' | 'base64'): string => {
  const cipher = `aes-${k.key.length * 4}-cbc`;
  const d = createDecipheriv(cipher, Buffer.from(k.key, 'hex'), Buffer.from(k.iv, 'hex'));
  return Buffer.concat([d.update(Buffer.from(text, encoding)), d.final()]).toString();
};

describe('--encrypt <column>=<key name>', () => {
  it('encrypts each column with the key it names, in that key encoding, and decrypts each back with it', async () => {
    const enc = await runCli(['process', '--config', config, '--encrypt', 'crm_id=crm', '--encrypt', 'email=mail', '--workers', '2'], { input: INPUT });
    expect(enc.code, enc.stderr).toBe(0);
    const rows = parse(enc.stdout, { columns: true }) as Array<{ crm_id: string; email: string }>;
    expect(rows.map((r) => decrypt(r.crm_id, CRM, 'hex'))).toEqual(['C-1', 'C-2', 'C-3']);
    expect(rows.map((r) => (r.email === '' ? '' : decrypt(r.email, MAIL, 'base64')))).toEqual(['a@x.example', '', 'b,c@x.example']);
    const dec = await runCli(['process', '--config', config, '--decrypt', 'crm_id=crm', '--decrypt', 'email=mail'], { input: enc.stdout });
    expect(dec.code, dec.stderr).toBe(0);
    expect(dec.stdout.toString()).toBe('crm_id,email\nC-1,a@x.example\nC-2,\nC-3,"b,c@x.example"\n');
  });
});

/** #8 header names compared trimmed; #9 UTF-16/UTF-32 inputs named, and the --delimiter hint. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { logLines, runCli } from './helpers/cli.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('header names', () => {
  it('match the transforms trimmed, say so once, and the output keeps the header bytes', async () => {
    const input = 'id, email ,\tphone\n1,a@b.c,+14155552671\n2,C@D.E,+14155552672\n';
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256'], { input });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe(`id, email ,\tphone\n1,${sha('a@b.c')},${sha('14155552671')}\n2,${sha('c@d.e')},${sha('14155552672')}\n`);
    const notes = logLines(res.stderr).filter((l) => l.event === 'header_names_trimmed');
    expect(notes).toHaveLength(1);
    expect(notes[0].columns).toEqual([' email ', '\tphone']);
    expect(String(notes[0].msg)).toContain("' email '");
    const exact = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: 'id,email\n1,a@b.c\n' });
    expect(logLines(exact.stderr).filter((l) => l.event === 'header_names_trimmed')).toHaveLength(0);
  });

  it('two columns equal once trimmed are ambiguous: exit 2', async () => {
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: 'email, email\na@b.c,d@e.f\n' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--hash: column 'email' appears more than once in the header");
    expect(res.stdout.length).toBe(0);
  });
});

describe('input encoding', () => {
  const text = 'id,email\n1,a@b.c\n';
  const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();
  const utf32 = (s: string, be: boolean): Buffer => {
    const b = Buffer.alloc(s.length * 4);
    for (let i = 0; i < s.length; i++) (be ? b.writeUInt32BE : b.writeUInt32LE).call(b, s.charCodeAt(i), i * 4);
    return b;
  };
  const cases: Array<[string, Buffer]> = [
    ['UTF-16 LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['UTF-16 BE', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)])],
    ['UTF-32 LE', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32(text, false)])],
    ['UTF-32 BE', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf32(text, true)])],
  ];
  it.each(cases)('a %s file (BOM) is named, exit 2, no NUL printed, nothing written', async (name, input) => {
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`the file is ${name}`);
    expect(res.stderr).toContain('ERR_INPUT_ENCODING');
    expect(res.stderr).not.toContain('\u0000');
    expect(res.stderr).not.toContain('is not in the header');
    expect(res.stdout.length).toBe(0);
  });

  it('a UTF-8 BOM is still read as before', async () => {
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe(`id,email\n1,${sha('a@b.c')}\n`);
  });
});

describe('--delimiter hint', () => {
  it.each([
    ['id;email;phone', "--delimiter ';'"],
    ['id\temail\tphone', '--delimiter tab'],
    ['id|email|phone', "--delimiter '|'"],
  ])('a one-column header %j suggests %s, exit 2', async (header, hint) => {
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: `${header}\n1\n` });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--hash: column 'email' is not in the header");
    expect(res.stderr).toContain(hint);
    expect(res.stderr).not.toContain('\t');
  });

  it('no hint when the header has several columns', async () => {
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: 'id,mail;x\n1,2\n' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("column 'email' is not in the header (columns: id, mail;x)\n");
  });
});

/** --select through the built CLI: picks, orders, renames; dots become underscores; unknown or repeated columns exit 2. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli, tempDir } from './helpers/cli.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

let dir: string;
let cleanup: () => void;
let file: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('ap-select-'));
  file = join(dir, 'in.csv');
  writeFileSync(file, 'id,person.email,city,note\n1,A@x.org,Paris,"a, b"\n2,b@y.org,,"say ""hi"""\n');
});
afterAll(() => cleanup());

describe('--select', () => {
  it('picks, orders and renames the columns, the header from the new names', async () => {
    const run = await runCli(['process', '--in', file, '--select', 'note:remark,id', '--log-level', 'warn']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('remark,id\n"a, b",1\n"say ""hi""",2\n');
  });

  it('turns dots into underscores when no new name is given, and writes a transformed column as its op says', async () => {
    const run = await runCli(['process', '--in', file, '--select', 'person.email', '--select', 'city', '--hash', 'person.email=email_lc_sha256', '--to', 'aep-csv', '--log-level', 'error']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe(`person_email,city\n${sha('a@x.org')},Paris\n${sha('b@y.org')},""\n`);
  });

  it('keeps every column in input order without it (AEP output: dots as underscores)', async () => {
    const run = await runCli(['process', '--in', file, '--to', 'aep-csv', '--log-level', 'error']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('id,person_email,city,note\n1,A@x.org,Paris,"a, b"\n2,b@y.org,"","say \\"hi\\""\n');
  });

  it('refuses, exit 2 before any output, a column that is not in the input, naming it', async () => {
    const run = await runCli(['process', '--in', file, '--select', 'id,emial', '--log-format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout.length).toBe(0);
    const error = logLines(run.stderr).find((l) => l.level === 50) ?? { text: run.stderr };
    expect(JSON.stringify(error)).toContain("--select: column 'emial' is not in the input (columns: id, person.email, city, note)");
  });

  it('refuses a column selected twice and two columns with one name', async () => {
    const twice = await runCli(['process', '--in', file, '--select', 'id,city,id:again']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("--select: column 'id' is selected twice");
    const clash = await runCli(['process', '--in', file, '--select', 'id:x,city:x']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain("--select: two output columns are named 'x'");
  });
});

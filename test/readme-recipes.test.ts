/**
 * The README's recipes for the vendors' files run as written, with local stand-ins for what this
 * machine has not got: the SFTP and Azure targets become a local directory (test/route-remote
 * covers those transports), the example inputs are written here, and the AAM outbound batch is the
 * one in fixtures/ (its IDs are encrypted under DOMAIN.md's test key and IV).
 */
import { cpSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { startPostgres } from './helpers/postgres.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('\n## Recipes: the vendors\' files\n'), readme.indexOf('\n## Transports\n'));
/** Each `npx audience-pipe ...` command of the section, continuation lines joined, as argv. */
const commands = [...section.matchAll(/```bash\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1].replace(/\\\n\s*/g, '').split('\n'))
  .filter((l) => l.startsWith('npx audience-pipe '))
  .map((l) => [...l.slice('npx audience-pipe '.length).matchAll(/'([^']*)'|(\S+)/g)].map((t) => t[1] ?? t[2]));

const { dir, cleanup } = tempDir('ap-readme-recipes-');
afterAll(cleanup);
const out = join(dir, 'out');

/** The recipe's argv with the stand-ins: remote targets as a local directory, no SSH key, the fixture's IV. */
function local(argv: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && /^(sftp|https):/.test(argv[i + 1])) args.push('--out', `${out}/`);
    else if (argv[i] === '--in' && /^sftp:/.test(argv[i + 1])) args.push('--in', 'inbox/');
    else if (argv[i] === '--move-after') {
      // Local inputs are not moved: the stand-in keeps them.
    }
    else if (argv[i] === '--aes-iv') args.push('--aes-iv', '0123456789ABCDEFFEDCBA9876543210');
    else if (argv[i] !== '--sftp-key') {
      args.push(argv[i]);
      continue;
    }
    i++;
  }
  return args;
}

describe('README recipes', () => {
  it('has one recipe per direction', () => {
    expect(commands.map((c) => c[0])).toEqual(['process', 'verify', 'process', 'process', 'import-audience', 'export-audience']);
    const option = (c: string[], name: string) => c[c.indexOf(name) + 1];
    expect([option(commands[0], '--to'), option(commands[2], '--from'), option(commands[3], '--to')]).toEqual(['aam-inbound', 'aam-outbound', 'aep-csv']);
  });

  it('CSV to AAM inbound: gzip parts and their .info, which verify accepts', async () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(dir, 'crm-export.csv'), 'crm_id,email\n1,Ann@Example.com\n2,\n3,bob@example.org\n');
    const res = await runCli(local(commands[0]), { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual([expect.stringMatching(/^ftp_dpm_123456_\d{10}\.info$/), expect.stringMatching(/^ftp_dpm_123456_\d{10}\.sync\.gz$/)]);
    const lines = gunzipSync(readFileSync(join(out, files[1]))).toString().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^[0-9a-f]{64}\td_sid=987654$/), expect.stringMatching(/^[0-9a-f]{64}\td_sid=987654$/), '']);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ recordsIn: 3, recordsOut: 2, recordsRejected: 1, rejectReasons: { missing_id: 1 } });
    const verified = await runCli(['verify', join(out, files[0])]);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('AAM outbound batch to CSV: verified, then decrypted', async () => {
    cpSync(join(ROOT, 'fixtures', 'aam-outbound'), join(dir, 'inbox'), { recursive: true });
    writeFileSync(join(dir, 'key.hex'), '0123456789ABCDEF0123456789ABCDEF\n', { mode: 0o600 });
    const info = readdirSync(join(dir, 'inbox')).find((f) => f.endsWith('.info'))!;
    const verify = await runCli(['verify', join(dir, 'inbox', info)]);
    expect(verify.code, verify.stderr).toBe(0);
    const res = await runCli(local(commands[2]), { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const csv = readFileSync(join(dir, 'members.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('id,segments,removed_segments');
    expect(csv).toContain('johndoe@example.com,"4521,4533,4590",4410');
  });

  it('CSV to Campaign-ready AEP files: one audience per segment, deduplicated, mandatory checked', async () => {
    writeFileSync(join(dir, 'profiles.csv'), [
      'crm_id,email,first_name,segment,last_qualified',
      'C1,ann@example.com,Ann,4521,2026-11-30T10:00:00Z',
      'C2,ANN@example.com,Anne,4521,2026-12-01T10:00:00Z',
      ',bob@example.com,Bob,4521,2026-12-01T10:00:00Z',
      'C4,cy@example.com,Cy,4533,2026-11-01T00:00:00Z',
    ].join('\n') + '\n');
    const res = await runCli(local(commands[3]), { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const files = readdirSync(out).filter((f) => f.startsWith('campaign_')).sort();
    expect(files).toEqual([expect.stringMatching(/^campaign_segment4521_\d{14}\.csv$/), expect.stringMatching(/^campaign_segment4533_\d{14}\.csv$/)]);
    const first = readFileSync(join(out, files[0]), 'utf8').split('\n');
    expect(first[0]).toBe('crm_id,personalEmail_address,person_name_firstName,segment,segmentMembershipStatus');
    expect(first.slice(1)).toEqual([expect.stringMatching(/^C2,[0-9a-f]{64},Anne,4521,realized$/), '']);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ recordsIn: 4, recordsOut: 2, recordsRejected: 1, recordsDeduplicated: 1 });
  });

  it('AAM outbound batch on SFTP to a Campaign list: reconciled with the job, the unmatched IDs listed', async () => {
    cpSync(join(ROOT, 'fixtures', 'aam-outbound'), join(dir, 'inbox'), { recursive: true });
    // The fixture's IDs are e-mails encrypted under DOMAIN.md's test key and IV.
    writeFileSync(join(dir, 'k.hex'), '0123456789ABCDEF0123456789ABCDEF\n');
    writeFileSync(join(dir, 'recipients.csv'), 'recipient_id,crm_id,email,phone,ecid,first_name\nR1,C1,JohnDoe@Example.com,,,John\nR2,C2,kim@example.com,,,Kim\nR3,C3,nobody@example.com,,,No\n');
    const job = JSON.parse(readme.slice(readme.indexOf('```json\n', readme.indexOf('### Job file')) + 8, readme.indexOf('```', readme.indexOf('```json\n', readme.indexOf('### Job file')) + 8)));
    job.dataSources[1].protection.aes.iv = '0123456789ABCDEFFEDCBA9876543210';
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const res = await runCli(local(commands[4]), { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const list = readFileSync(join(dir, 'campaign-list.csv'), 'utf8').split('\n');
    expect(list).toEqual([
      'id,recipient_id,data_source,segments,removed_segments,first_name',
      'a4e70c52b4ca4a338d6d0ea25986355284f6ea47bb275506e61fa25b4ec4d365,R1,Encrypted e-mail,"4521,4533,4590",4410,John',
      '8827688af6ff23dfbb046b30f0ebdbcb,R2,Encrypted e-mail,"4521,4533,4590",,Kim',
      '',
    ]);
    const unmatched = readFileSync(join(dir, 'unmatched.csv'), 'utf8').trim().split('\n');
    expect(unmatched[0]).toBe('line,id,reason');
    expect(unmatched.slice(1).every((l) => l.endsWith(',no_profile'))).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ recordsIn: 10, recordsMatched: 2, recordsUnmatched: 8, recordsRejected: 0 });
    expect(report.batch).toBeDefined();
  });

  it('Campaign profiles in PostgreSQL to AAM inbound: the rows of the query, hashed, in gzip parts with their .info', async () => {
    const pg = await startPostgres();
    try {
      const csv = join(dir, 'pg-recipients.csv');
      writeFileSync(csv, 'recipient_id,crm_id,email,phone,ecid,first_name,opted_in\nR1,C1,a@example.com,,,Ann,true\nR2,,b@example.com,,,Bob,true\nR3,C3,c@example.com,,,Cy,false\nR4, C4 ,d@example.com,,,Di,true\n');
      pg.psql(`CREATE TABLE recipients (recipient_id text, crm_id text, email text, phone text, ecid text, first_name text, opted_in boolean);\n\\copy recipients FROM '${csv}' WITH (FORMAT csv, HEADER)`);
      const job = JSON.parse(readme.slice(readme.indexOf('```json\n', readme.indexOf('### Job file')) + 8, readme.indexOf('```', readme.indexOf('```json\n', readme.indexOf('### Job file')) + 8)));
      delete job.profiles.path;
      job.profiles.postgres = { url: pg.url, query: 'SELECT * FROM recipients' };
      job.dataSources[1].protection.aes.keyFile = 'k.hex';
      writeFileSync(join(dir, 'k.hex'), '0123456789ABCDEF0123456789ABCDEF\n');
      writeFileSync(join(dir, 'pg-job.json'), JSON.stringify(job));
      const aam = join(dir, 'aam-out');
      mkdirSync(aam);
      const args = local(commands[5]).map((a) => (a === `${out}/` ? `${aam}/` : a));
      const res = await runCli(args, { cwd: dir, env: { AUDIENCE_PIPE_PG_PASSWORD: pg.password } });
      expect(res.code, res.stderr).toBe(0);
      const files = readdirSync(aam).sort();
      expect(files).toEqual([expect.stringMatching(/^ftp_dpm_123456_\d{10}\.info$/), expect.stringMatching(/^ftp_dpm_123456_\d{10}\.sync\.gz$/)]);
      const sha = (v: string) => createHash('sha256').update(v).digest('hex');
      expect(gunzipSync(readFileSync(join(aam, files[1]))).toString()).toBe(`${sha('C1')}\td_sid=987654\n${sha('C4')}\td_sid=987654\n`);
      expect(readFileSync(join(dir, 'unusable.csv'), 'utf8')).toBe('recipient_id,reason\nR2,empty\n');
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      expect(report.export).toMatchObject({ alias: 'CampaignDeclaredId', dpid: 123456, profilesRead: 3, exported: 2, unusable: 1, rejected: 0 });
      expect(res.stderr + JSON.stringify(report)).not.toContain(pg.password);
      const verified = await runCli(['verify', join(aam, files[0])]);
      expect(verified.code, verified.stderr).toBe(0);
    } finally {
      await pg.stop();
    }
  });
});

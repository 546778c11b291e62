/**
 * The reconciliation job file (issue #12, "The job file"): the example is read as it is,
 * paths resolve against the job file's directory, every wrong key in turn stops with ERR_JOB
 * (exit 2) naming its key path, and no secret reaches a message, JSON or util.inspect.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadJobFile, parseJob } from '../src/reconcile/job-file.js';
import { byPriority, matchedColumn } from '../src/reconcile/job-types.js';
import { tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-job-');
afterAll(cleanup);
const KEY_HEX = '0123456789abcdef0123456789abcdef';
const IV_HEX = '00112233445566778899aabbccddeeff';
const PASSWORD = 'pg-secret-hunter2';
mkdirSync(join(dir, 'keys'));
writeFileSync(join(dir, 'keys', 'k.hex'), `${KEY_HEX}\n`);
writeFileSync(join(dir, 'keys', 'short.hex'), '0123456789abcdef0123');

/** The example, the key file in keys/. */
const example = () => ({
  profiles: { path: 'recipients.csv', id: 'recipient_id', email: 'email', phone: 'phone', fields: ['first_name', 'crm_id'] },
  dataSources: [
    { label: 'CRM declared ID', alias: 'CampaignDeclaredId', dpid: 123456, type: 'declared', key: 'crm_id', protection: { hash: 'sha256' }, priority: 10 },
    {
      label: 'Encrypted e-mail', alias: 'CampaignEncEmail', type: 'declared', key: 'email',
      protection: { aes: { keyFile: 'keys/k.hex', iv: IV_HEX }, channel: 'email' }, priority: 5,
    },
    { label: 'Visitor ID', alias: 'CampaignMID', type: 'visitor', key: 'ecid', priority: 1 },
  ],
});
type Job = ReturnType<typeof example> & Record<string, unknown>;

const parse = (raw: unknown, env: NodeJS.ProcessEnv = {}) => parseJob(raw, { baseDir: dir, env });
/** The ConfigError a job gives: code, exit code and message. */
function refusal(raw: unknown, env: NodeJS.ProcessEnv = {}): { code: string; exitCode: number; message: string } {
  try {
    parse(raw, env);
  } catch (err) {
    const e = err as { code: string; exitCode: number; message: string };
    return { code: e.code, exitCode: e.exitCode, message: e.message };
  }
  throw new Error('the job was accepted');
}
const edited = (edit: (j: Job) => void): Job => {
  const j = structuredClone(example()) as Job;
  edit(j);
  return j;
};

describe('a valid job file', () => {
  it("reads the issue's example: paths against the job's directory, the key from its file, defaults filled", () => {
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify(example()));
    const job = loadJobFile(path, {});
    expect(job.file).toBe(path);
    expect(job.profiles).toMatchObject({ table: { kind: 'csv', path: join(dir, 'recipients.csv') }, id: 'recipient_id', email: 'email', phone: 'phone', fields: ['first_name', 'crm_id'] });
    expect(job.dataSources.map((s) => s.protection.kind)).toEqual(['hash', 'aes', 'none']);
    expect(job.dataSources[0]).toMatchObject({ label: 'CRM declared ID', alias: 'CampaignDeclaredId', dpid: 123456, type: 'declared', key: 'crm_id', priority: 10, protection: { method: 'sha256' } });
    const aes = job.dataSources[1].protection;
    expect(aes.kind === 'aes' && aes.key.toString('hex')).toBe(KEY_HEX);
    expect(aes.kind === 'aes' && aes.iv.toString('hex')).toBe(IV_HEX);
    expect(aes).toMatchObject({ encoding: 'hex', channel: 'email' });
    expect(job.dataSources[2].dpid).toBeUndefined();
    expect(Object.isFrozen(job) && Object.isFrozen(job.dataSources[0])).toBe(true);
    expect(matchedColumn(job, job.dataSources[1])).toBe('email');
    expect(matchedColumn(job, job.dataSources[0])).toBe('crm_id');
  });

  it('takes profiles.defaultCountry in either case as the upper-case code; none when it is not given', () => {
    expect(parse(edited((j) => ((j.profiles as Record<string, unknown>).defaultCountry = ' gb '))).profiles.defaultCountry).toBe('GB');
    expect(parse(edited((j) => ((j.profiles as Record<string, unknown>).defaultCountry = 'US'))).profiles.defaultCountry).toBe('US');
    expect(parse(example()).profiles.defaultCountry).toBeUndefined();
  });

  it('takes the key from keyEnv, base64 ciphertexts, channels sms and other; tries sources highest priority first, ties in file order', () => {
    const job = parse(
      edited((j) => {
        j.dataSources[1].protection = { aes: { keyEnv: 'RECONCILE_TEST_KEY', iv: IV_HEX, cipherEncoding: 'base64' }, channel: 'sms' } as never;
        j.dataSources.push({ label: 'Other', alias: 'O', type: 'declared', key: 'crm_id', protection: { aes: { keyFile: join(dir, 'keys', 'k.hex'), iv: IV_HEX }, channel: 'other' }, priority: 10 } as never);
      }),
      { RECONCILE_TEST_KEY: KEY_HEX },
    );
    expect(job.dataSources[1].protection).toMatchObject({ kind: 'aes', encoding: 'base64', channel: 'sms' });
    expect(matchedColumn(job, job.dataSources[1])).toBe('phone');
    expect(matchedColumn(job, job.dataSources[3])).toBe('crm_id');
    expect(byPriority(job)).toEqual([0, 3, 1, 2]);
  });

  it('reads a PostgreSQL table with the password from AUDIENCE_PIPE_PG_PASSWORD, else PGPASSWORD', () => {
    const pg = edited((j) => {
      delete (j.profiles as Record<string, unknown>).path;
      (j.profiles as Record<string, unknown>).postgres = { url: 'postgres://campaign@127.0.0.1:5432/crm', query: 'SELECT * FROM nms_recipient' };
    });
    const own = parse(pg, { AUDIENCE_PIPE_PG_PASSWORD: PASSWORD, PGPASSWORD: 'other' }).profiles.table;
    expect(own.kind === 'postgres' && own.password?.reveal()).toBe(PASSWORD);
    const libpq = parse(pg, { PGPASSWORD: PASSWORD }).profiles.table;
    expect(libpq.kind === 'postgres' && libpq.password?.reveal()).toBe(PASSWORD);
    const none = parse(pg, {}).profiles.table;
    expect(none).toMatchObject({ kind: 'postgres', url: 'postgres://campaign@127.0.0.1:5432/crm', query: 'SELECT * FROM nms_recipient', password: undefined });
  });

  it('no secret shows in JSON, util.inspect or a copy of the object', () => {
    const pg = edited((j) => {
      delete (j.profiles as Record<string, unknown>).path;
      (j.profiles as Record<string, unknown>).postgres = { url: 'postgres://u@127.0.0.1/db', query: 'select 1' };
    });
    const job = parse(pg, { AUDIENCE_PIPE_PG_PASSWORD: PASSWORD });
    const shown = [JSON.stringify(job), inspect(job, { depth: 20, showHidden: true }), JSON.stringify({ ...job.dataSources[1].protection })];
    for (const text of shown) {
      expect(text).not.toContain(KEY_HEX);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(KEY_HEX, 'hex').toString('base64'));
    }
    expect(JSON.stringify(job.profiles.table)).toContain('"password":"[set]"');
  });
});

describe('a wrong job file stops with ERR_JOB, exit 2, naming the key path', () => {
  const cases: Array<[string, (j: Job) => void, string | RegExp]> = [
    ['profiles missing', (j) => delete (j as Record<string, unknown>).profiles, '--job: profiles: expected an object (got nothing)'],
    ['dataSources[1] not an object', (j) => ((j.dataSources as unknown[])[1] = 'x'), '--job: dataSources[1]: expected an object (got "x")'],
    ['profiles.id not text', (j) => ((j.profiles as Record<string, unknown>).id = 7), '--job: profiles.id: expected a column name (got 7)'],
    ['profiles.id empty', (j) => ((j.profiles as Record<string, unknown>).id = ' '), '--job: profiles.id: a column name must not be empty'],
    ['profiles.email empty', (j) => (j.profiles.email = ''), '--job: profiles.email: a column name must not be empty'],
    ['profiles.phone not text', (j) => ((j.profiles as Record<string, unknown>).phone = true), '--job: profiles.phone: expected a column name'],
    ['profiles.fields not a list', (j) => ((j.profiles as Record<string, unknown>).fields = 'first_name'), '--job: profiles.fields: expected a list of column names'],
    ['profiles.fields[1] empty', (j) => (j.profiles.fields[1] = ''), '--job: profiles.fields[1]: a column name must not be empty'],
    ['profiles.fields[1] twice', (j) => (j.profiles.fields[1] = 'first_name'), "--job: profiles.fields[1]: 'first_name' is listed twice"],
    ['profiles.fields repeats the id', (j) => (j.profiles.fields[0] = 'recipient_id'), "--job: profiles.fields[0]: 'recipient_id' is listed twice"],
    ['profiles.path and postgres', (j) => ((j.profiles as Record<string, unknown>).postgres = { url: 'postgres://u@h/d', query: 'q' }), "--job: profiles: give either 'path'"],
    ['profiles with neither', (j) => delete (j.profiles as Record<string, unknown>).path, "--job: profiles: give either 'path'"],
    ['profiles.postgres.query missing', (j) => {
      delete (j.profiles as Record<string, unknown>).path;
      (j.profiles as Record<string, unknown>).postgres = { url: 'postgres://u@h/d' };
    }, '--job: profiles.postgres.query: expected a query'],
    ['profiles.postgres.url not postgres', (j) => {
      delete (j.profiles as Record<string, unknown>).path;
      (j.profiles as Record<string, unknown>).postgres = { url: 'mysql://u@h/d', query: 'q' };
    }, '--job: profiles.postgres.url: expected postgres:// or postgresql://, got mysql://'],
    ['profiles unknown key', (j) => ((j.profiles as Record<string, unknown>).feilds = []), "--job: profiles: unknown key 'feilds' (did you mean 'fields'?)"],
    ['top-level unknown key', (j) => ((j as Record<string, unknown>).dataSource = []), "--job: unknown key 'dataSource' (did you mean 'dataSources'?)"],
    ['dataSources empty', (j) => (j.dataSources.length = 0), '--job: dataSources: needs at least one data source'],
    ['dataSources[0].label empty', (j) => (j.dataSources[0].label = ''), '--job: dataSources[0].label: a label must not be empty'],
    ['dataSources[2].label missing', (j) => delete (j.dataSources[2] as Record<string, unknown>).label, '--job: dataSources[2].label: expected a label (got nothing)'],
    ['dataSources[1].alias missing', (j) => delete (j.dataSources[1] as Record<string, unknown>).alias, '--job: dataSources[1].alias: expected an alias'],
    ['dataSources[2].alias repeated', (j) => (j.dataSources[2].alias = 'CampaignDeclaredId'), "--job: dataSources[2].alias: 'CampaignDeclaredId' is also the alias of dataSources[0]: aliases are unique"],
    ['dataSources[0].dpid text', (j) => ((j.dataSources[0] as Record<string, unknown>).dpid = '123'), '--job: dataSources[0].dpid: expected a whole number (got "123")'],
    ['dataSources[0].dpid 0', (j) => (j.dataSources[0].dpid = 0), '--job: dataSources[0].dpid: must be at least 1'],
    ['dataSources[2].dpid repeated', (j) => ((j.dataSources[2] as Record<string, unknown>).dpid = 123456), '--job: dataSources[2].dpid: 123456 is also the DPID of dataSources[0]'],
    ['dataSources[1].type', (j) => (j.dataSources[1].type = 'hashed'), '--job: dataSources[1].type: must be declared or visitor (got "hashed")'],
    ['dataSources[2].key missing', (j) => delete (j.dataSources[2] as Record<string, unknown>).key, '--job: dataSources[2].key: expected a column name'],
    ['dataSources[0].priority missing', (j) => delete (j.dataSources[0] as Record<string, unknown>).priority, '--job: dataSources[0].priority: expected a number (got nothing)'],
    ['dataSources[0].priority fraction', (j) => (j.dataSources[0].priority = 1.5), '--job: dataSources[0].priority: expected a whole number (got 1.5)'],
    ['dataSources[0] unknown key', (j) => ((j.dataSources[0] as Record<string, unknown>).lable = 'x'), "--job: dataSources[0]: unknown key 'lable' (did you mean 'label'?)"],
    ['dataSources[0].protection.hash', (j) => ((j.dataSources[0].protection as Record<string, unknown>).hash = 'md5'), '--job: dataSources[0].protection.hash: must be one of email_lc_sha256, phone_sha256, phone_sha256_e164, sha256, sha256_lc (got "md5")'],
    ['dataSources[0].protection empty', (j) => (j.dataSources[0].protection = {} as never), "--job: dataSources[0].protection: give either 'hash' (a hash method) or 'aes'"],
    ['dataSources[0].protection.channel with hash', (j) => ((j.dataSources[0].protection as Record<string, unknown>).channel = 'email'), "--job: dataSources[0].protection.channel: goes with 'aes' only"],
    ['dataSources[0].protection hash and aes', (j) => ((j.dataSources[0].protection as Record<string, unknown>).aes = { keyFile: 'keys/k.hex', iv: IV_HEX }), "--job: dataSources[0].protection: give either 'hash'"],
    ['dataSources[2].protection on a visitor ID', (j) => ((j.dataSources[2] as Record<string, unknown>).protection = { hash: 'sha256' }), '--job: dataSources[2].protection: a visitor ID data source is matched as received'],
    ['dataSources[1].protection.channel missing', (j) => delete (j.dataSources[1].protection as Record<string, unknown>).channel, "--job: dataSources[1].protection.channel: required with 'aes'"],
    ['dataSources[1].protection.channel wrong', (j) => ((j.dataSources[1].protection as Record<string, unknown>).channel = 'push'), '--job: dataSources[1].protection.channel: must be email, sms or other (got "push")'],
    ['dataSources[1].protection.aes.iv short', (j) => ((j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.iv = '0011'), '--job: dataSources[1].protection.aes.iv: the IV must be 16 bytes written as 32 hex digits (got 4 characters)'],
    ['dataSources[1].protection.aes.iv missing', (j) => delete (j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.iv, '--job: dataSources[1].protection.aes.iv: expected 32 hex digits (got nothing)'],
    ['dataSources[1].protection.aes.cipherEncoding', (j) => ((j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.cipherEncoding = 'b64'), '--job: dataSources[1].protection.aes.cipherEncoding: must be hex or base64'],
    ['dataSources[1].protection.aes.keyFile missing file', (j) => ((j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.keyFile = 'keys/none.hex'), '--job: dataSources[1].protection.aes.keyFile: cannot read keys/none.hex: ENOENT'],
    ['dataSources[1].protection.aes.keyFile short key', (j) => ((j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.keyFile = 'keys/short.hex'), '--job: dataSources[1].protection.aes.keyFile: the AES key must be 16, 24 or 32 bytes written as 32, 48 or 64 hex digits (got 20 characters)'],
    ['dataSources[1].protection.aes keyFile and keyEnv', (j) => ((j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.keyEnv = 'K'), "--job: dataSources[1].protection.aes: give either 'keyFile'"],
    ['dataSources[1].protection.aes.keyEnv unset', (j) => {
      const aes = (j.dataSources[1].protection as { aes: Record<string, unknown> }).aes;
      delete aes.keyFile;
      aes.keyEnv = 'RECONCILE_TEST_UNSET';
    }, '--job: dataSources[1].protection.aes.keyEnv: the variable RECONCILE_TEST_UNSET is not set'],
    ['dataSources[1].protection.aes unknown key', (j) => ((j.dataSources[1].protection as { aes: Record<string, unknown> }).aes.keyfile = 'x'), "--job: dataSources[1].protection.aes: unknown key 'keyfile' (did you mean 'keyFile'?)"],
    ['profiles.defaultCountry not a country', (j) => ((j.profiles as Record<string, unknown>).defaultCountry = 'XX'), "--job: profiles.defaultCountry: 'XX' is not an ISO 3166-1 alpha-2 country with a phone numbering plan"],
    ['profiles.defaultCountry alpha-3', (j) => ((j.profiles as Record<string, unknown>).defaultCountry = 'USA'), "--job: profiles.defaultCountry: 'USA' is not an ISO 3166-1 alpha-2 country"],
    ['profiles.defaultCountry empty', (j) => ((j.profiles as Record<string, unknown>).defaultCountry = ' '), "--job: profiles.defaultCountry: '' is not an ISO 3166-1 alpha-2 country"],
    ['profiles.defaultCountry a number', (j) => ((j.profiles as Record<string, unknown>).defaultCountry = 1), '--job: profiles.defaultCountry: expected an ISO 3166-1 alpha-2 country code (got 1)'],
    ['channel email without profiles.email', (j) => delete (j.profiles as Record<string, unknown>).email, '--job: dataSources[1].protection.channel: channel email matches on the e-mail column: profiles.email must name it'],
    ['channel sms without profiles.phone', (j) => {
      delete (j.profiles as Record<string, unknown>).phone;
      (j.dataSources[1].protection as Record<string, unknown>).channel = 'sms';
    }, '--job: dataSources[1].protection.channel: channel sms matches on the phone column: profiles.phone must name it'],
  ];

  it.each(cases)('%s', (_name, edit, expected) => {
    const r = refusal(edited(edit));
    expect(r.code).toBe('ERR_JOB');
    expect(r.exitCode).toBe(2);
    if (typeof expected === 'string') expect(r.message.startsWith(expected), r.message).toBe(true);
    else expect(r.message).toMatch(expected);
  });

  it('a key of the wrong length read from keyEnv is refused without showing it', () => {
    const wrong = 'abcdef0123456789abcdef01234567';
    const r = refusal(
      edited((j) => {
        const aes = (j.dataSources[1].protection as { aes: Record<string, unknown> }).aes;
        delete aes.keyFile;
        aes.keyEnv = 'RECONCILE_TEST_KEY';
      }),
      { RECONCILE_TEST_KEY: wrong },
    );
    expect(r.message).toBe('--job: dataSources[1].protection.aes.keyEnv: the AES key must be 16, 24 or 32 bytes written as 32, 48 or 64 hex digits (got 30 characters)');
    expect(r.message).not.toContain(wrong);
  });

  it('a password in the PostgreSQL URL is refused, and the message does not show the URL', () => {
    for (const url of [`postgres://u:${PASSWORD}@127.0.0.1/db`, `postgresql://u@127.0.0.1/db?password=${PASSWORD}`]) {
      const r = refusal(edited((j) => {
        delete (j.profiles as Record<string, unknown>).path;
        (j.profiles as Record<string, unknown>).postgres = { url, query: 'select 1' };
      }));
      expect(r.code).toBe('ERR_JOB');
      expect(r.message).toMatch(/^--job: profiles\.postgres\.url: a password .*is refused.* AUDIENCE_PIPE_PG_PASSWORD or PGPASSWORD$/);
      expect(r.message).not.toContain(PASSWORD);
    }
  });

  it('a file that is not JSON, not an object, or missing', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"profiles": ');
    expect(() => loadJobFile(bad, {})).toThrow(expect.objectContaining({ code: 'ERR_JOB', exitCode: 2, message: expect.stringMatching(/^--job: .*bad\.json is not valid JSON: /) }));
    writeFileSync(bad, '[1]');
    expect(() => loadJobFile(bad, {})).toThrow(expect.objectContaining({ code: 'ERR_JOB', message: '--job: the job must be a JSON object' }));
    expect(() => loadJobFile(join(dir, 'nothing.json'), {})).toThrow(expect.objectContaining({ code: 'ERR_JOB', message: expect.stringMatching(/cannot read .*nothing\.json: ENOENT$/) }));
  });
});

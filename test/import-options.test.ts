/**
 * import-audience's choices and limits through the CLI: which data source (priority, the DPID of
 * the file's name, --alias), the same bytes with 1 and 2 workers, a wrong AES key, --max-unmatched
 * (nothing published, the previous output kept), --file-audience, --from csv, malformed rows,
 * and the configuration errors (exit 2) with the option or the job's key path they name.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { aamOutbound, expectAccounted, expectedFor, incomingFor, readCsv, writeJob } from './helpers/import.js';
import { generateProfiles, prng, type ProfileRow } from './helpers/profiles.js';
import { SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-import-opt-');
afterAll(cleanup);
const ROWS: ProfileRow[] = generateProfiles(500, 77);
const JOB = writeJob(dir, ROWS);
const path = (name: string): string => join(dir, name);

async function run(args: string[], job = JOB) {
  const report = path(`r-${Math.random().toString(36).slice(2)}.json`);
  const res = await runCli(['import-audience', '--job', job, '--report', report, '--log-level', 'warn', ...args]);
  const rep = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>) : undefined;
  return { ...res, report: rep };
}

describe('which data source', () => {
  // Two plain sources: S8 (ecid, priority 92) and S9 (crm_id, priority 91); one ID is profile A's crm_id and profile B's ecid.
  const rows: ProfileRow[] = [
    { recipient_id: 'A', crm_id: 'X1', email: 'a@example.com', phone: '', ecid: 'E-A', first_name: 'Ann' },
    { recipient_id: 'B', crm_id: 'CRM-B', email: 'b@example.com', phone: '', ecid: 'X1', first_name: 'Bob' },
  ];
  const jobFor = (priorities: [number, number]): string => {
    const d = path(`two-${priorities.join('-')}`);
    mkdirSync(d, { recursive: true });
    return writeJob(d, rows, (job) => {
      const all = job.dataSources as Array<Record<string, unknown>>;
      job.dataSources = [
        { ...all[8], priority: priorities[0] },
        { ...all[9], priority: priorities[1] },
      ];
    });
  };

  it('by priority, highest first: the first source that matches wins', async () => {
    const input = path('prio.sync');
    writeFileSync(input, 'X1 1\nE-A 2\nCRM-B 3\nnobody 4\n');
    for (const [prio, winner] of [[[5, 1], 'B'], [[1, 5], 'A']] as const) {
      const out = path(`prio-${winner}.csv`);
      const res = await run(['--in', input, '--out', out], jobFor(prio as [number, number]));
      expect(res.code).toBe(0);
      const rows = readCsv(out).slice(1);
      expect(rows.map((r) => [r[0], r[1]])).toEqual([['X1', winner], ['E-A', 'A'], ['CRM-B', 'B']]);
      expect(rows[0][2]).toBe(winner === 'B' ? 'source 8 (plain)' : 'source 9 (plain)');
      const rc = res.report!.reconcile as { sourcesBy: string; order: string[] };
      expect(rc.sourcesBy).toBe('priority');
      expect(rc.order).toEqual(winner === 'B' ? ['S8', 'S9'] : ['S9', 'S8']);
      expectAccounted(res.report!);
      expect(res.report!.unmatchedReasons).toEqual({ no_profile: 1, bad_ciphertext: 0, invalid_id: 0 });
      // Per data source: what each matched, and the unmatched ID both could read.
      const ds = (res.report!.reconcile as { dataSources: Array<{ alias: string; tried: boolean; matched: number; unmatched: Record<string, number> }> }).dataSources;
      expect(ds.map((d) => [d.alias, d.tried, d.matched, d.unmatched.no_profile, d.unmatched.bad_ciphertext])).toEqual(
        winner === 'B' ? [['S8', true, 2, 1, 0], ['S9', true, 1, 1, 0]] : [['S8', true, 1, 1, 0], ['S9', true, 2, 1, 0]],
      );
    }
  });

  it("the DPID of the file's name picks its data source alone; --alias overrides it", async () => {
    // S9's dpid is 9009 (writeJob: 9000 + i): an AAM outbound name `<sync>_<destination>_<DPID>_<full|iter>_<timestamp>`.
    const input = path('ftp_1234_9009_full_1486140843000.sync');
    writeFileSync(input, 'X1 1\nE-A 2\nCRM-B 3\n');
    const job = jobFor([5, 1]);
    const out = path('dpid.csv');
    const res = await run(['--in', input, '--out', out], job);
    expect(res.code).toBe(0);
    expect(readCsv(out).slice(1).map((r) => [r[0], r[1]])).toEqual([['X1', 'A'], ['CRM-B', 'B']]);
    expect((res.report!.reconcile as { sourcesBy: string }).sourcesBy).toBe('dpid');
    expect((res.report!.inputs as Array<{ dpid: number }>)[0].dpid).toBe(9009);
    expect(res.report!.recordsUnmatched).toBe(1);
    const byAlias = await run(['--in', input, '--out', out, '--alias', 'S8'], job);
    expect(readCsv(out).slice(1).map((r) => [r[0], r[1]])).toEqual([['X1', 'B'], ['E-A', 'A']]);
    expect((byAlias.report!.reconcile as { sourcesBy: string }).sourcesBy).toBe('alias');
  });

  it("files naming different data sources are refused; a DPID no source has leaves the priority order", async () => {
    const job = jobFor([5, 1]);
    const batch = path('mixed-dpids');
    mkdirSync(batch, { recursive: true });
    writeFileSync(join(batch, 'ftp_1234_9008_full_1486140843000.sync'), 'X1 1\n');
    writeFileSync(join(batch, 'ftp_1234_9009_full_1486140843000.sync'), 'X1 1\n');
    const mixed = await run(['--in', `${batch}/`, '--out', path('mixed.csv')], job);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("--in: the input files' names point to different data sources (S8, S9)");
    const unknown = path('ftp_1234_4242_full_1486140843000.sync');
    writeFileSync(unknown, 'X1 1\n');
    const res = await run(['--in', unknown, '--out', path('unknown-dpid.csv')], job);
    expect(res.code).toBe(0);
    expect((res.report!.reconcile as { sourcesBy: string }).sourcesBy).toBe('priority');
    expect(readCsv(path('unknown-dpid.csv'))[1][1]).toBe('B');
  });

  it('an unknown --alias is exit 2 naming the aliases', async () => {
    const input = path('prio.sync');
    const res = await run(['--in', input, '--out', path('x.csv'), '--alias', 'Nope']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--alias: no data source of the job has the alias 'Nope' (aliases: S0, S1");
  });
});

describe('the run', () => {
  it('1 and 2 workers write byte-identical outputs over many chunks', async () => {
    // Every source's IDs mixed, priority order: several chunks of 16 KiB.
    const all = SOURCES.flatMap((_, i) => incomingFor(ROWS, i, 300 + i));
    const input = path('mixed.sync');
    writeFileSync(input, aamOutbound(all, 5).text);
    const outs: Buffer[][] = [];
    for (const workers of ['1', '2']) {
      const out = path(`w${workers}.csv`);
      const un = path(`w${workers}.unmatched.csv`);
      const res = await run(['--in', input, '--out', out, '--unmatched', un, '--workers', workers, '--chunk-size', '16KiB', '--fields', 'crm_id']);
      expect(res.code).toBe(0);
      expectAccounted(res.report!);
      expect(res.report!.recordsIn).toBe(all.length);
      outs.push([readFileSync(out), readFileSync(un)]);
    }
    expect(outs[0][0].equals(outs[1][0])).toBe(true);
    expect(outs[0][1].equals(outs[1][1])).toBe(true);
    expect(outs[0][0].length).toBeGreaterThan(64 * 1024);
  });

  it('a wrong AES key gives bad_ciphertext counts, not a crash', async () => {
    const wrong = path('wrong');
    mkdirSync(wrong, { recursive: true });
    const job = writeJob(wrong, ROWS);
    // The key file now holds another key than the sender's.
    writeFileSync(join(wrong, 'k.hex'), 'fedcba9876543210fedcba9876543210');
    const ids = incomingFor(ROWS, 5, 9);
    const input = path('aes.sync');
    writeFileSync(input, aamOutbound(ids, 9).text);
    const un = path('aes.unmatched.csv');
    const res = await run(['--in', input, '--out', path('aes.csv'), '--alias', 'S5', '--unmatched', un], job);
    expect(res.code).toBe(0);
    const r = res.report!;
    expectAccounted(r);
    const reasons = r.unmatchedReasons as Record<string, number>;
    // Hex ciphertexts that do not decrypt: all of them but the few whose wrong padding happens to look right.
    expect(reasons.bad_ciphertext).toBeGreaterThan(0.9 * (ids.length - 3));
    expect(reasons.invalid_id).toBe(3);
    expect(reasons.bad_ciphertext + reasons.no_profile + reasons.invalid_id).toBe(ids.length - (r.recordsMatched as number));
    const ds = (r.reconcile as { dataSources: Array<{ unmatched: { bad_ciphertext: number } }> }).dataSources;
    expect(ds[5].unmatched.bad_ciphertext).toBe(reasons.bad_ciphertext);
    expect(readCsv(un).filter((row) => row[2] === 'bad_ciphertext').length).toBe(reasons.bad_ciphertext);
  });

  it('--max-unmatched fails the run (exit 1) and publishes nothing: the previous output stays', async () => {
    const ids = incomingFor(ROWS, 0, 3);
    const input = path('max.sync');
    writeFileSync(input, aamOutbound(ids, 3).text);
    const out = path('max.csv');
    const un = path('max.unmatched.csv');
    writeFileSync(out, 'previous\n');
    const unmatched = ids.filter((inc) => typeof expectedFor(ROWS, 0, inc) !== 'number').length;
    const res = await run(['--in', input, '--out', out, '--unmatched', un, '--alias', 'S0', '--max-unmatched', String(unmatched - 1)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${unmatched} of ${ids.length} records unmatched`);
    expect(res.stderr).toContain(`over --max-unmatched ${unmatched - 1}`);
    expect(res.report!.status).toBe('failed');
    expect((res.report!.error as { code: string }).code).toBe('ERR_TOO_MANY_UNMATCHED');
    expectAccounted(res.report!);
    expect(readFileSync(out, 'utf8')).toBe('previous\n');
    expect(existsSync(un)).toBe(false);
    // At the limit it passes, and the file is replaced (not merged).
    const ok = await run(['--in', input, '--out', out, '--alias', 'S0', '--max-unmatched', String(unmatched)]);
    expect(ok.code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith('id,recipient_id,')).toBe(true);
    const pct = await run(['--in', input, '--out', out, '--alias', 'S0', '--max-unmatched', '1%']);
    expect(pct.code).toBe(1);
    expect(pct.stderr).toContain('over --max-unmatched 1%');
  });

  it('--file-audience: AES e-mail IDs that decrypt and match no profile, as addresses; they stay unmatched', async () => {
    const ids = incomingFor(ROWS, 5, 21);
    const input = path('fa.sync');
    writeFileSync(input, aamOutbound(ids, 21).text);
    const fa = path('fa.csv');
    const res = await run(['--in', input, '--out', path('fa-out.csv'), '--alias', 'S5', '--file-audience', fa]);
    expect(res.code).toBe(0);
    const expected: string[][] = [];
    ids.forEach((inc, k) => {
      if (expectedFor(ROWS, 5, inc) === 'no_profile' && inc.plain !== undefined && inc.plain.trim() !== '') expected.push([String(k + 1), 'email', inc.plain.trim()]);
    });
    expect(expected.length).toBeGreaterThanOrEqual(30);
    expect(readCsv(fa)).toEqual([['line', 'channel', 'address'], ...expected]);
    expect((res.report!.reconcile as { fileAudience: number }).fileAudience).toBe(expected.length);
    expectAccounted(res.report!);
    mkdirSync(path('no-aes'), { recursive: true });
    const refused = await run(['--in', input, '--out', path('fa-out.csv'), '--file-audience', fa], writeJob(path('no-aes'), ROWS, (job) => {
      job.dataSources = (job.dataSources as Array<Record<string, unknown>>).filter((s) => !JSON.stringify(s).includes('"aes"'));
    }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--file-audience needs an AES data source of channel email or sms');
  });

  it('--from csv --id-column: quoted IDs written as received, the segments column, malformed rows rejected and counted', async () => {
    const r = prng(4);
    const ids = incomingFor(ROWS, 9, 44);
    const lines = ids.map((inc, k) => (r() < 0.3 ? `"${inc.id}",seg${k},x` : `${inc.id},seg${k},x`));
    // A row with a field too many and one with a bad quote: rejects, with their lines.
    lines.splice(3, 0, 'a,b,c,d');
    lines.splice(7, 0, '"open,seg,x');
    const input = path('ids.csv');
    writeFileSync(input, `crm,segs,other\n${lines.join('\n')}\n`);
    const out = path('csv-out.csv');
    const rejects = path('csv-rejects.csv');
    const res = await run(['--in', input, '--from', 'csv', '--id-column', 'crm', '--segments-column', 'segs', '--out', out, '--rejects', rejects, '--alias', 'S9']);
    expect(res.code).toBe(0);
    const expected: string[][] = [];
    ids.forEach((inc, k) => {
      const e = expectedFor(ROWS, 9, inc);
      if (typeof e === 'number') expected.push([inc.id, ROWS[e].recipient_id, 'source 9 (plain)', `seg${k}`, '']);
    });
    expect(readCsv(out)).toEqual([['id', 'recipient_id', 'data_source', 'segments', 'removed_segments'], ...expected]);
    const rep = res.report!;
    expectAccounted(rep);
    expect(rep.recordsRejected).toBe(2);
    expect(readCsv(rejects).map((row) => row[0])).toEqual(['line', '5', '9']);
    const noCol = await run(['--in', input, '--from', 'csv', '--out', out]);
    expect(noCol.code).toBe(2);
    expect(noCol.stderr).toContain('--from csv needs --id-column');
    const badCol = await run(['--in', input, '--from', 'csv', '--id-column', 'nope', '--out', out]);
    expect(badCol.code).toBe(2);
    expect(badCol.stderr).toContain("--id-column: column 'nope' is not in the input (columns: crm, segs, other)");
  });
});

describe('configuration errors (exit 2, nothing written)', () => {
  const input = path('cfg.sync');
  writeFileSync(input, 'X1 1\n');

  it('--fields: unknown, twice, or more than 20', async () => {
    const unknown = await run(['--in', input, '--out', path('cfg.csv'), '--fields', 'first_name,email']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--fields: 'email' is not a kept field of the job (profiles.fields: first_name, crm_id)");
    const many = await run(['--in', input, '--out', path('cfg.csv'), '--fields', Array.from({ length: 21 }, () => 'crm_id').join(',')]);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('--fields: 21 fields, over the limit of 20');
    expect(existsSync(path('cfg.csv'))).toBe(false);
  });

  it('a bad job file names the key path', async () => {
    const cases: Array<[(job: Record<string, unknown>) => void, string]> = [
      [(job) => ((job.dataSources as Array<Record<string, unknown>>)[5].protection = { aes: { keyFile: 'k.hex', iv: 'xyz' }, channel: 'email' }), 'dataSources[5].protection.aes.iv'],
      [(job) => delete (job.dataSources as Array<Record<string, unknown>>)[1].label, 'dataSources[1].label'],
      [(job) => ((job.profiles as Record<string, unknown>).id = 42), 'profiles.id'],
    ];
    for (const [k, [edit, keyPath]] of cases.entries()) {
      const d = path(`badjob-${k}`);
      mkdirSync(d, { recursive: true });
      const res = await run(['--in', input, '--out', path('cfg.csv')], writeJob(d, ROWS, edit));
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(keyPath);
      expect(res.report).toBeUndefined();
    }
    const missing = await run(['--in', input, '--out', path('cfg.csv')], path('no-such-job.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-job.json');
  });

  it('--max-unmatched that is no count or share, --from another format, and --unmatched over --out', async () => {
    const bad = await run(['--in', input, '--out', path('cfg.csv'), '--max-unmatched', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--max-unmatched: 'lots' is not a count");
    const from = await run(['--in', input, '--out', path('cfg.csv'), '--from', 'aep-csv']);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('--from: import-audience reads aam-outbound or csv');
    const same = await run(['--in', input, '--out', path('cfg.csv'), '--unmatched', path('cfg.csv')]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('--unmatched and --out are the same file');
  });
});

describe('failures after configuration and secrets', () => {
  it('a profile table that cannot be read fails the run (exit 1, ERR_PROFILES) with a report, nothing published', async () => {
    const d = path('missing-table');
    mkdirSync(d, { recursive: true });
    const job = writeJob(d, ROWS, (j) => ((j.profiles as Record<string, unknown>).path = 'gone.csv'));
    const input = path('missing.sync');
    writeFileSync(input, 'X1 1\n');
    const out = path('missing.csv');
    const res = await run(['--in', input, '--out', out, '--unmatched', path('missing.unmatched.csv')], job);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('gone.csv');
    expect(res.report!.status).toBe('failed');
    expect((res.report!.error as { code: string }).code).toBe('ERR_PROFILES');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path('missing.unmatched.csv'))).toBe(false);
  });

  it('the AES key appears in no log line, report or output, even at --log-level debug', async () => {
    const ids = incomingFor(ROWS, 5, 61);
    const input = path('secret.sync');
    writeFileSync(input, aamOutbound(ids, 61).text);
    const out = path('secret.csv');
    const res = await runCli(['import-audience', '--job', JOB, '--in', input, '--out', out, '--alias', 'S5', '--log-level', 'debug', '--log-format', 'json', '--report', path('secret.json'), '--unmatched', path('secret.unmatched.csv')]);
    expect(res.code).toBe(0);
    const key = readFileSync(join(dir, 'k.hex'), 'utf8').trim();
    for (const text of [res.stderr, readFileSync(path('secret.json'), 'utf8'), readFileSync(out, 'utf8'), readFileSync(path('secret.unmatched.csv'), 'utf8')]) {
      expect(text.toLowerCase()).not.toContain(key.toLowerCase());
      expect(text).not.toContain(Buffer.from(key, 'hex').toString('base64'));
    }
    // The debug log says the workers were checked to see the index.
    expect(res.stderr).toContain('"event":"profile_index_shared"');
  });
});

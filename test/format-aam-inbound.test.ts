/**
 * AAM inbound, end to end through the built CLI: CSV in, AAM inbound out, parsed back into
 * (ID, tokens) pairs equal to an expectation computed here from the input rows; every reject
 * reason of the writer and of the reader, read in the reject file with its line and column; the
 * hand-written fixtures of every token shape; 1 and 2 workers byte-identical; the config checks.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, ROOT, runCli, tempDir } from './helpers/cli.js';
import { rng } from './helpers/engine.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const FIXTURES = join(ROOT, 'fixtures', 'aam-inbound');

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('ap-aam-in-')));
afterAll(() => cleanup());

const csvField = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** Rows of an AAM inbound file as (ID, tokens). */
function pairs(out: Buffer): Array<[string, string[]]> {
  const text = out.toString('utf8');
  expect(text.endsWith('\n') || text === '').toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const tab = line.indexOf('\t');
      expect(tab).toBeGreaterThan(0);
      expect(line.indexOf('\t', tab + 1)).toBe(-1);
      return [line.slice(0, tab), line.slice(tab + 1).split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)];
    });
}

function summary(stderr: string): Record<string, unknown> {
  return logLines(stderr).find((l) => l.event === 'summary')!;
}

describe('CSV in, AAM inbound out', () => {
  it('parses back into the (ID, tokens) pairs the input rows give, with 1 and 2 workers byte for byte', async () => {
    const next = rng(5);
    const rows: Array<{ email: string; traits: string[]; removed: string[]; city: string }> = [];
    for (let i = 0; i < 400; i++) {
      const n = Math.floor(next() * 4);
      rows.push({
        email: `${next() < 0.5 ? ' ' : ''}User${i}@Example.org`,
        traits: Array.from({ length: n }, () => String(Math.floor(next() * 100000))),
        removed: next() < 0.3 ? [String(Math.floor(next() * 1000))] : [],
        city: ['Paris', '', 'São Paulo', 'New York, NY'][Math.floor(next() * 4)],
      });
    }
    const input = ['email,segments,gone,city', ...rows.map((r) => [r.email, r.traits.join(', '), r.removed.join(','), r.city].map(csvField).join(','))].join('\r\n') + '\r\n';
    const file = join(dir, 'in.csv');
    writeFileSync(file, input);
    const args = ['process', '--in', file, '--to', 'aam-inbound', '--dpid', '1234', '--id-column', 'email', '--hash', 'email=email_lc_sha256', '--trait', 'd_sid=77', '--traits-column', 'segments', '--removed-traits-column', 'gone', '--signal', 'city', '--chunk-size', '2KiB'];
    const one = await runCli([...args, '--workers', '1']);
    const two = await runCli([...args, '--workers', '2']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(one.stdout.equals(two.stdout)).toBe(true);
    const expected = rows.map((r): [string, string[]] => [
      sha(r.email.trim().toLowerCase()),
      ['d_sid=77', ...r.traits.map((t) => `d_sid=${t}`), ...r.removed.map((t) => `d_unsid=${t}`), ...(r.city ? [`"city"="${r.city}"`] : [])],
    ]);
    expect(pairs(one.stdout)).toEqual(expected);
    expect(summary(one.stderr)).toMatchObject({ recordsIn: 400, recordsOut: 400, recordsRejected: 0 });
  });

  it('rejects, never writes, each record that breaks a rule, with its line, column and reason', async () => {
    const long = Array.from({ length: 20000 }, (_, i) => String(100000 + i)).join(',');
    const lines = [
      'id,traits,note',
      'ok-1,1,fine', // 2
      ',2,empty id', // 3: missing_id
      '"  ",2,blank id', // 4: missing_id
      'a:b,3,colon', // 5: invalid_id
      '"tab\there",3,tab', // 6: invalid_id
      '"two\nlines",3,lf', // 7-8: invalid_id
      'no-traits,,', // 9: no_traits
      `too-long,"${long}",x`, // 10: line_too_long
      'bad-trait,"1,x2",x', // 11: invalid_trait
      'bad-note,1,"say ""hi"""', // 12: invalid_trait (a quote in a signal)
      'ok-2,"5, 6",', // 13
    ];
    const file = join(dir, 'bad.csv');
    writeFileSync(file, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from('not-utf8,7,\xff\n', 'latin1')]));
    const rejects = join(dir, 'bad.rej.csv');
    const report = join(dir, 'bad.report.json');
    const run = await runCli(['process', '--in', file, '--to', 'aam-inbound', '--dpid', '1234', '--id-column', 'id', '--traits-column', 'traits', '--signal', 'note', '--rejects', rejects, '--report', report, '--max-rejects', 'none']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('ok-1\td_sid=1,"note"="fine"\nok-2\td_sid=5,d_sid=6\n');
    const rej = parse(readFileSync(rejects), { columns: true }) as Array<Record<string, string>>;
    expect(rej.map((r) => [r.line, r.column, r.reason])).toEqual([
      ['3', 'id', 'missing_id'],
      ['4', 'id', 'missing_id'],
      ['5', 'id', 'invalid_id'],
      ['6', 'id', 'invalid_id'],
      ['7', 'id', 'invalid_id'],
      ['9', '', 'no_traits'],
      ['10', '', 'line_too_long'],
      ['11', 'traits', 'invalid_trait'],
      ['12', 'note', 'invalid_trait'],
      ['14', 'note', 'invalid_utf8'],
    ]);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r).toMatchObject({ recordsIn: 12, recordsOut: 2, recordsRejected: 10 });
    expect(r.rejectReasons).toEqual({ missing_id: 2, invalid_id: 3, no_traits: 1, line_too_long: 1, invalid_trait: 2, invalid_utf8: 1 });
  });

  it('refuses, exit 2, a configuration that cannot make rows', async () => {
    const file = join(dir, 'cfg.csv');
    writeFileSync(file, 'id,traits\na,1\n');
    const base = ['process', '--in', file, '--to', 'aam-inbound', '--dpid', '1234'];
    const cases: Array<[string[], RegExp]> = [
      [['--id-column', 'id'], /needs traits: --trait/],
      [['--id-column', 'nope', '--trait', 'd_sid=1'], /--id-column: column 'nope' is not in the input \(columns: id, traits\)/],
      [['--id-column', 'id', '--trait', 'd_sid=abc'], /--trait 'd_sid=abc' is not an AAM trait token/],
      [['--id-column', 'id', '--traits-column', 'traits', '--hash', 'traits=sha256'], /--traits-column: column 'traits' is transformed/],
      [['--id-column', 'id', '--trait', '5', '--select', 'id'], /--select picks CSV columns/],
      [['--id-column', 'id', '--signal', 'traits', '--signal', 'traits'], /--signal 'traits' is given twice/],
      [['--id-column', 'id', '--signal', 'id', '--hash', 'id=sha256'], /--signal 'id' is the transformed --id-column/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli([...base, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout.length).toBe(0);
    }
  });
});

describe('AAM outbound in, AAM inbound out', () => {
  it('turns segments and removed segments into d_sid and d_unsid tokens, ID by ID', async () => {
    const gen = await runCli(['generate', '--rows', '300', '--format', 'aam-outbound', '--seed', '9']);
    expect(gen.code).toBe(0);
    const file = join(dir, 'out.sync');
    writeFileSync(file, gen.stdout);
    const run = await runCli(['process', '--in', file, '--from', 'aam-outbound', '--to', 'aam-inbound', '--dpid', '1234', '--id-column', 'id', '--traits-column', 'segments', '--removed-traits-column', 'removed_segments', '--workers', '2', '--chunk-size', '1KiB']);
    expect(run.code).toBe(0);
    const expected = gen.stdout
      .toString()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line): [string, string[]] => {
        const [id, segments, removed = ''] = line.trim().split(/\s+/);
        const list = (text: string, prefix: string): string[] => text.split(',').filter(Boolean).map((t) => `${prefix}${t}`);
        return [id, [...list(segments, 'd_sid='), ...list(removed, 'd_unsid=')]];
      });
    expect(expected.length).toBe(300);
    expect(pairs(run.stdout)).toEqual(expected);
  });
});

describe('--from aam-inbound', () => {
  it('reads every token shape of the fixture as the columns id and traits', async () => {
    const fixture = readFileSync(join(FIXTURES, 'every-token-shape.sync'));
    const run = await runCli(['process', '--in', join(FIXTURES, 'every-token-shape.sync'), '--from', 'aam-inbound', '--to', 'csv']);
    expect(run.code).toBe(0);
    const records = parse(run.stdout) as string[][];
    expect(records[0]).toEqual(['id', 'traits']);
    const lines = fixture.toString().split('\n').slice(0, -1);
    expect(records.slice(1)).toEqual(lines.map((l) => l.split('\t')));
  });

  it('and writes them back as AAM inbound (IDs and tokens checked), CRLF read as LF, bare IDs as d_sid=, spaces after commas dropped', async () => {
    const fixture = readFileSync(join(FIXTURES, 'every-token-shape.sync'));
    const crlf = join(dir, 'crlf.sync');
    writeFileSync(crlf, fixture.toString().replaceAll('\n', '\r\n'));
    const run = await runCli(['process', '--in', crlf, '--from', 'aam-inbound', '--dpid', '1234', '--id-column', 'id', '--traits-column', 'traits', '--passthrough']);
    expect(run.code).toBe(0);
    const expected = fixture
      .toString()
      .split('\n')
      .slice(0, -1)
      .map((line) => {
        const [id, tokens] = line.split('\t');
        return `${id}\t${tokens
          .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
          .map((t) => t.trim())
          .map((t) => (/^\d+$/.test(t) ? `d_sid=${t}` : t))
          .join(',')}\n`;
      })
      .join('');
    expect(run.stdout.toString()).toBe(expected);
    expect(expected).toContain('crm-0004\td_sid=789\n');
  });

  it('rejects each bad row of the fixture with its reason and line', async () => {
    const rejects = join(dir, 'in.rej.csv');
    const run = await runCli(['process', '--in', join(FIXTURES, 'one-bad-row-each.sync'), '--from', 'aam-inbound', '--to', 'csv', '--rejects', rejects, '--max-rejects', 'none', '--workers', '2', '--chunk-size', '64']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('id,traits\nfine,d_sid=7\n');
    const rej = parse(readFileSync(rejects), { columns: true }) as Array<Record<string, string>>;
    expect(rej.map((r) => [r.line, r.column, r.reason])).toEqual([
      ['1', 'id', 'missing_id'],
      ['2', 'id', 'invalid_id'],
      ['3', 'traits', 'no_traits'],
      ['4', 'traits', 'invalid_trait'],
      ['5', 'traits', 'invalid_trait'],
      ['6', 'traits', 'invalid_trait'],
      ['7', '', 'field_count'],
      ['8', '', 'field_count'],
      ['9', '', 'invalid_utf8'],
      ['10', '', 'bad_line_end'],
    ]);
    expect(summary(run.stderr)).toMatchObject({ recordsIn: 11, recordsOut: 1, recordsRejected: 10 });
  });

  it('rejects a line over 102,400 bytes as line_too_long', async () => {
    const file = join(dir, 'long.sync');
    writeFileSync(file, `a\td_sid=1\nb\t${Array.from({ length: 15000 }, (_, i) => `d_sid=${i}`).join(',')}\nc\td_sid=3\n`);
    const rejects = join(dir, 'long.rej.csv');
    const run = await runCli(['process', '--in', file, '--from', 'aam-inbound', '--to', 'csv', '--rejects', rejects, '--max-rejects', 'none']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('id,traits\na,d_sid=1\nc,d_sid=3\n');
    const rej = parse(readFileSync(rejects), { columns: true }) as Array<Record<string, string>>;
    expect(rej.map((r) => [r.line, r.reason])).toEqual([['2', 'line_too_long']]);
  });
});

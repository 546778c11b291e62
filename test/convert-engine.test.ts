/**
 * The record engine's converting path (ChunkPlan.output): rows built field by field in the
 * output's dialect, same-dialect fields copied as bytes, constants, --mandatory, and the routing
 * contract (recordEnds, recordLines, probes) at several chunk sizes.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AEP, convert, inputs, rowsPlan } from './helpers/convert.js';

const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const CHUNKS = [1, 13, 4096];

describe('csv in, aep-csv out', () => {
  it('quotes only what needs it, escapes with backslashes, writes empty as ""', async () => {
    const input = Buffer.from('a,b,c\nplain,"x,y","say ""hi"""\n"back\\slash",,"two\nlines"\n"cr\rhere",1,\n');
    for (const chunkSize of CHUNKS) {
      const run = await convert(input, { chunkSize, output: (h) => rowsPlan('aep-csv', inputs(h)) });
      expect(run.output.toString()).toBe('plain,"x,y","say \\"hi\\""\n"back\\\\slash","","two\nlines"\n"cr\rhere",1,""\n');
      expect(run.rejects).toEqual([]);
    }
  });

  it('read back by csv-parse (escape \\) gives the input values (seeded property)', async () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'Z', 'é', '€', ',', '"', '\\', '\n', '\r', ' ', '1'), maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 30 }), fc.constantFrom(1, 7, 64, 4096), async (rows, chunkSize) => {
        const csvField = (v: string): string => `"${v.replaceAll('"', '""')}"`;
        const input = Buffer.from(['a,b,c', ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n');
        const run = await convert(input, { chunkSize, output: (h) => rowsPlan('aep-csv', inputs(h)) });
        expect(run.rejects).toEqual([]);
        const back = parse(run.output, { escape: '\\', record_delimiter: '\n', relax_column_count: false }) as string[][];
        expect(back).toEqual(rows);
      }),
      { seed: 11, numRuns: 150 },
    );
  });
});

describe('aep-csv in, aep-csv out with nothing changed', () => {
  it('copies every field as its bytes (CRLF normalised to LF)', async () => {
    const body = 'id,name,note\r\n1,"Jo \\"Jr\\"",""\r\n2,plain,"a,b"\r\n3,"back\\\\",\r\n4,"multi\r\nline",x\r\n';
    for (const chunkSize of CHUNKS) {
      const run = await convert(Buffer.from(body), { chunkSize, dialect: AEP, output: (h) => rowsPlan('aep-csv', inputs(h), { copyFields: true }) });
      expect(run.output.toString()).toBe(body.split('\r\n').slice(1).join('\n').replace('multi\nline', 'multi\r\nline'));
    }
  });
});

describe('select, reorder, constants', () => {
  it('writes the plan fields in their order, with a constant last', async () => {
    const input = Buffer.from('email,first,last\na@x.org,Ann,"Lee, Jr"\nb@y.org,Bo,Ma\n');
    const run = await convert(input, {
      chunkSize: 16,
      output: (h) => rowsPlan('aep-csv', [...inputs(h, ['last', 'email']), { kind: 'constant', value: 'realized' }]),
      columns: (h) => [{ index: h.indexOf('email'), name: 'email', op: 'email_lc_sha256', params: {} }],
    });
    expect(run.output.toString()).toBe(`"Lee, Jr",${sha('a@x.org')},realized\nMa,${sha('b@y.org')},realized\n`);
  });
});

describe('--mandatory', () => {
  it('rejects a record whose field is empty or blank, naming the field, as missing_mandatory', async () => {
    const input = Buffer.from('id,email,name\n1,a@x.org,Ann\n2,,Bo\n3,"  ",Cy\n4,c@x.org,\n');
    const run = await convert(input, {
      chunkSize: 9,
      output: (h) => rowsPlan('csv', inputs(h), { mandatory: [h.indexOf('email'), h.indexOf('name')] }),
      columns: (h) => [{ index: h.indexOf('email'), name: 'email', op: 'sha256', params: {} }],
    });
    expect(run.output.toString()).toBe(`1,${sha('a@x.org')},Ann\n`);
    expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([
      [3, 'missing_mandatory', 1],
      [4, 'missing_mandatory', 1],
      [5, 'missing_mandatory', 2],
    ]);
    expect(run.records).toBe(4);
    expect(run.recordsOut + run.rejects.length).toBe(run.records);
  });
});

describe('routing contract: recordEnds, recordLines, probes', () => {
  const input = Buffer.from('id,email,seg\n\n1,A@x.org,"s,1"\n2,,s2\n"3\n3",b@y.org,s3\nbad\n4,a@x.org,"q""q"\n');
  for (const chunkSize of CHUNKS) {
    it(`each written record has its bytes, line and probe values as output (chunk size ${chunkSize})`, async () => {
      const run = await convert(input, {
        chunkSize,
        // email is hashed but not written: its probe is still the hash.
        output: (h) => rowsPlan('csv', inputs(h, ['seg', 'id'])),
        columns: (h) => [{ index: h.indexOf('email'), name: 'email', op: 'email_lc_sha256', params: {} }],
        probes: (h) => [h.indexOf('email'), h.indexOf('seg'), h.indexOf('id')],
      });
      expect(run.written.map((w) => w.bytes.toString())).toEqual(['"s,1",1\n', 's2,2\n', 's3,"3\n3"\n', '"q""q",4\n']);
      expect(run.written.map((w) => w.line)).toEqual([3, 4, 5, 8]);
      expect(run.written.map((w) => w.probes)).toEqual([
        [sha('a@x.org'), 's,1', '1'],
        ['', 's2', '2'],
        [sha('b@y.org'), 's3', '3\n3'],
        [sha('a@x.org'), 'q"q', '4'],
      ]);
      expect(run.output.toString()).toBe('"s,1",1\ns2,2\ns3,"3\n3"\n"q""q",4\n');
      expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[7, 'field_count']]);
    });
  }
});

describe('a row refused once written (aam-inbound line_too_long) leaves nothing behind', () => {
  for (const chunkSize of CHUNKS) {
    it(`the rows around it keep their hashed IDs, ends and probes (chunk size ${chunkSize})`, async () => {
      const long = Array.from({ length: 15000 }, (_, i) => String(i)).join(',');
      const input = Buffer.from(`email,traits,note\na@x.org,1,n1\nlong@x.org,"${long}",n2\n,2,n3\nb@y.org,"3, 4",\nc@z.org,,\n`);
      const run = await convert(input, {
        chunkSize,
        output: (h) => ({ format: { name: 'aam-inbound' }, fields: [], copyFields: false, mandatory: [], aam: { id: h.indexOf('email'), traits: [], traitsColumn: h.indexOf('traits'), signals: [{ index: h.indexOf('note'), name: 'note' }] } }),
        columns: (h) => [{ index: h.indexOf('email'), name: 'email', op: 'email_lc_sha256', params: {} }],
        probes: (h) => [h.indexOf('email'), h.indexOf('note')],
      });
      expect(run.output.toString()).toBe(`${sha('a@x.org')}\td_sid=1,"note"="n1"\n${sha('b@y.org')}\td_sid=3,d_sid=4\n`);
      expect(run.written.map((w) => [w.line, ...w.probes])).toEqual([
        [2, sha('a@x.org'), 'n1'],
        [5, sha('b@y.org'), ''],
      ]);
      expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([
        [3, 'line_too_long', -1],
        [4, 'missing_id', 0],
        [6, 'no_traits', -1],
      ]);
    });
  }
});

describe('aam-inbound rows from transformed columns', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  const iv = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const enc = (t: string): string => {
    const c = createCipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([c.update(t, 'utf8'), c.final()]).toString('hex');
  };

  it('a decrypted ID is checked as written (a colon in it is invalid_id); a hashed signal is quoted, an empty one left out', async () => {
    const input = Buffer.from(`cid,email\n${enc('crm-1')},a@x.org\n${enc('crm:2')},b@x.org\n${enc('crm-3')},\n`);
    const run = await convert(input, {
      chunkSize: 4096,
      init: { keys: [{ key, iv }] },
      output: (h) => ({ format: { name: 'aam-inbound' }, fields: [], copyFields: false, mandatory: [], aam: { id: h.indexOf('cid'), traits: ['d_sid=5', 'seg=x'], signals: [{ index: h.indexOf('email'), name: 'em' }] } }),
      columns: (h) => [
        { index: h.indexOf('cid'), name: 'cid', op: 'decrypt', params: { key: 0, encoding: 'hex' } },
        { index: h.indexOf('email'), name: 'email', op: 'email_lc_sha256', params: {} },
      ],
      probes: (h) => [h.indexOf('cid')],
    });
    expect(run.output.toString()).toBe(`crm-1\td_sid=5,seg=x,"em"="${sha('a@x.org')}"\ncrm-3\td_sid=5,seg=x\n`);
    expect(run.rejects.map((r) => [r.line, r.reason, r.column])).toEqual([[3, 'invalid_id', 0]]);
    expect(run.written.map((w) => w.probes[0])).toEqual(['crm-1', 'crm-3']);
  });
});

describe('same-dialect copies', () => {
  it('copy runs of consecutive untouched fields whole, and stop at a transformed or reordered one', async () => {
    const input = Buffer.from('a,b,c,d,e\n1,"x,\\"y",,A@x.org,5\n2,,"q",,\n');
    for (const chunkSize of CHUNKS) {
      const run = await convert(input, {
        chunkSize,
        dialect: AEP,
        output: (h) => rowsPlan('aep-csv', inputs(h, ['b', 'c', 'a', 'd', 'e']), { copyFields: true }),
        columns: (h) => [{ index: h.indexOf('d'), name: 'd', op: 'email_lc_sha256', params: {} }],
      });
      expect(run.output.toString()).toBe(`"x,\\"y",,1,${sha('a@x.org')},5\n,"q",2,"",\n`);
    }
  });
});

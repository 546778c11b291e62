/**
 * The configuration of issue 11's options: formats, AAM inbound, files and guardrails. Each check
 * across options stops the run with exit 2 and names the option, before any input is read.
 */
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.js';

const { buildProcessConfig } = await import(`${ROOT}/dist/config/load.js`);
const build = (cli: Record<string, unknown>) => buildProcessConfig({ hash: ['email=sha256'], ...cli }, {}, {});
const refused = (cli: Record<string, unknown>, option: string, message: RegExp) => {
  expect(() => build(cli)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', option, message: expect.stringMatching(message) }));
};

describe('format options', () => {
  it('defaults: csv in, csv out; aam-outbound is written as csv; --to defaults to --from otherwise', () => {
    expect(build({})).toMatchObject({ from: 'csv', to: 'csv', aamOutbound: { listSeparator: 0x2c }, guardrails: { mandatory: [], maxFields: 20 }, files: { maxAudiences: 25, writeInfo: false, gzip: false } });
    expect(build({ from: 'aam-outbound' })).toMatchObject({ from: 'aam-outbound', to: 'csv' });
    expect(build({ from: 'aep-csv' })).toMatchObject({ from: 'aep-csv', to: 'aep-csv' });
    expect(build({ from: 'aam-outbound', fieldSeparator: 'tab', listSeparator: ';' }).aamOutbound).toEqual({ fieldSeparator: 9, listSeparator: 0x3b });
  });

  it('refuses --delimiter and --escape when neither side is CSV: aep-csv and the AAM formats have fixed dialects', () => {
    refused({ from: 'aep-csv', delimiter: ';' }, 'delimiter', /--delimiter names the dialect of --from csv or --to csv; aep-csv and aep-csv have their own/);
    refused({ from: 'aep-csv', to: 'aam-inbound', escape: '\\', dpid: 1, idColumn: 'a' }, 'escape', /--escape names the dialect/);
    expect(build({ from: 'aam-outbound', delimiter: ';' })).toMatchObject({ to: 'csv', delimiter: 0x3b });
    expect(build({ from: 'aep-csv', to: 'csv', delimiter: '|' }).delimiter).toBe(0x7c);
  });

  it('refuses an unknown format, and aam-outbound as an output', () => {
    refused({ from: 'parquet' }, 'from', /--from: must be one of csv, aep-csv, aam-outbound, aam-inbound/);
    refused({ to: 'aam-outbound' }, 'to', /--to: must be one of csv, aep-csv, aam-inbound/);
  });

  it('parses --select into columns and output names, dots becoming underscores', () => {
    expect(build({ select: ['person.email:mail,crm_id', 'identityMap.ecid', 'first_name:person.firstName'] }).select).toEqual([
      { column: 'person.email', as: 'mail' },
      { column: 'crm_id', as: 'crm_id' },
      { column: 'identityMap.ecid', as: 'identityMap_ecid' },
      { column: 'first_name', as: 'person_firstName' },
    ]);
    refused({ select: ['a:'] }, 'select', /empty new name/);
  });

  it('turns --id-type into ops after the others, one column one transform', () => {
    expect(build({ idType: ['gaid=gaid', 'ecid=ecid'] }).ops.map((o: { column: string; op: string }) => `${o.column}:${o.op}`)).toEqual(['email:sha256', 'gaid:gaid', 'ecid:ecid']);
    refused({ idType: ['x=uuid'] }, 'id-type', /unknown ID type 'uuid' \(types: ecid, gaid, idfa, external_id\)/);
    refused({ idType: ['email=external_id'] }, 'id-type', /column 'email' is named by two transforms \(--hash sha256 and --id-type\)/);
  });
});

describe('AAM inbound options', () => {
  const aam = { to: 'aam-inbound', idColumn: 'id', trait: ['d_sid=1'] };
  it('need --dpid, --id-column, and --target-dpid for device-ID files', () => {
    refused({ to: 'aam-inbound', idColumn: 'id' }, 'dpid', /--to aam-inbound needs --dpid/);
    refused({ to: 'aam-inbound', dpid: '123' }, 'id-column', /needs --id-column/);
    refused({ ...aam, dpid: '20915' }, 'target-dpid', /--dpid 20915 is a device-ID file \(IDFA\): it needs --target-dpid/);
    expect(build({ ...aam, dpid: '20914', targetDpid: 777, mode: 'overwrite' }).aamInbound).toMatchObject({ dpid: 20914, targetDpid: 777, mode: 'overwrite', traits: ['d_sid=1'], idColumn: 'id' });
  });
  it('are refused for another output format', () => {
    refused({ trait: ['d_sid=1'] }, 'trait', /--trait is an AAM inbound option: it needs --to aam-inbound \(the output is csv\)/);
    refused({ writeInfo: true }, 'write-info', /--write-info is an AAM inbound option/);
    refused({ fieldSeparator: ';' }, 'field-separator', /needs --from aam-outbound/);
    refused({ from: 'aam-outbound', fieldSeparator: '\n' }, 'field-separator', /--field-separator: cannot be a line end \(LF or CR\)/);
    refused({ from: 'aam-outbound', fieldSeparator: '\r' }, 'field-separator', /cannot be a line end/);
  });
});

describe('files and guardrails', () => {
  it('dedup key columns are mandatory, one or two of them; --dedup-order and --duplicates need a key', () => {
    expect(build({ dedupKey: ['email'], mandatory: ['crm_id'] }).guardrails).toMatchObject({ dedupKey: ['email'], mandatory: ['crm_id', 'email'] });
    expect(build({ dedupKey: ['a,b'] }).guardrails.dedupKey).toEqual(['a', 'b']);
    refused({ dedupKey: ['a,b,c'] }, 'dedup-key', /must name one or two columns, got 3/);
    refused({ dedupOrder: 'ts' }, 'dedup-order', /--dedup-order needs --dedup-key/);
    refused({ duplicates: 'd.csv' }, 'duplicates', /--duplicates needs --dedup-key/);
  });
  it('splits and partitions need a directory output, and one kind of split', () => {
    refused({ splitRows: 10 }, 'out', /--split-rows writes several files: give --out <directory>\//);
    refused({ partitionBy: 'seg' }, 'out', /--partition-by writes several files/);
    refused({ out: '/tmp/', splitRows: 10, splitBytes: '1MB' }, 'split-bytes', /exclude each other/);
    expect(build({ out: '/tmp/', splitBytes: '1GB', maxAudiences: '50' }).files).toMatchObject({ splitBytes: 1e9, maxAudiences: 50 });
  });
  it('the CLI exits 2 with the message, and writes nothing to stdout', async () => {
    const res = await runCli(['process', '--hash', 'email=sha256', '--to', 'aam-inbound', '--id-column', 'id'], { input: 'email\na@x.org\n' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--to aam-inbound needs --dpid <n>');
    expect(res.stdout.length).toBe(0);
  });
});

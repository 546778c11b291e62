/**
 * #8 "A property that must always hold": valid generated CSV, mutated as real exports are damaged
 * (quotes, delimiters, CR, LF, backslashes, NUL, invalid UTF-8 inserted; bytes deleted), run at
 * random chunk sizes and worker counts. On every input: no crash; only documented errors and
 * exit codes; recordsIn = recordsOut + recordsRejected; every value in a hashed or encrypted
 * output column is empty, a hash or a ciphertext of the stated encoding; the same outcome
 * (output bytes, rejects, counts) at every chunk size and worker count.
 *
 * Seeded and bounded here; longer by hand: `FUZZ_RUNS=20000 FUZZ_SEED=7 npm run fuzz`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProcessConfig } from '../src/config/types.js';
import { planColumns } from '../src/pipeline/plan-columns.js';
import { Op, type ColumnOp } from '../src/protocol/messages.js';
import { ROOT, logLines, runCli } from './helpers/cli.js';
import { runEngine } from './helpers/engine.js';
import { ENCRYPTED, INSERTS, checkProtected, mutate, readOutput, untouchedHeader, validCsv, type DialectName, type LineEnd } from './helpers/fuzz-csv.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const POOL_RUNS = Math.max(12, Math.round(RUNS / 50));
const KEY_HEX = '000102030405060708090a0b0c0d0e0f';
const IV_HEX = '0f0e0d0c0b0a09080706050403020100';
/** Errors the engine may end a run with (docs/errors.md). */
const DOCUMENTED_CODES = new Set(['ERR_CONFIG', 'ERR_NO_HEADER', 'ERR_BAD_HEADER', 'ERR_HEADER_TOO_LARGE', 'ERR_INPUT_ENCODING']);

interface Case {
  seed: number;
  rows: number;
  dialect: DialectName;
  lineEnd: LineEnd;
  encoding: 'hex' | 'base64';
  maxRecordBytes: number;
  mutations: { at: number; what: number }[];
  chunkSizes: number[];
  readSize: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  rows: fc.integer({ min: 0, max: 30 }),
  dialect: fc.constantFrom<DialectName>('rfc', 'backslash'),
  lineEnd: fc.constantFrom<LineEnd>('\n', '\r\n', '\r'),
  encoding: fc.constantFrom<'hex' | 'base64'>('hex', 'base64'),
  maxRecordBytes: fc.constantFrom(1 << 20, 1 << 20, 200, 64),
  mutations: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), what: fc.nat({ max: INSERTS.length - 1 }) }), { maxLength: 6 }),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 2048 }), { minLength: 2, maxLength: 3 }),
  readSize: fc.integer({ min: 1, max: 700 }),
});

const inputOf = (c: Case): Buffer => mutate(validCsv(c.seed, c.rows, c.dialect, c.lineEnd), c.mutations);
const show = (b: Buffer): string => JSON.stringify(b.toString('latin1'));
const escapeOf = (d: DialectName): number => (d === 'rfc' ? 0x22 : 0x5c);

function plan(header: string[], cipherEncoding: Case['encoding']): ColumnOp[] {
  const ops = [
    { column: 'email', op: 'email_lc_sha256', params: {} },
    { column: 'phone', op: 'phone_sha256', params: { defaultCountry: 'US' } },
    ...ENCRYPTED.map((column) => ({ column, op: 'encrypt', params: { key: 'default', encoding: cipherEncoding } })),
  ];
  const config = { ops, secrets: { keys: { default: {} } } } as unknown as ProcessConfig;
  return planColumns(config, header);
}

type Outcome =
  | { error: string }
  | { output: Buffer; rejects: string; records: number; recordsOut: number; rejected: number; blankLines: number; columns: ColumnOp[]; reasons: Record<string, number> };

async function engineOutcome(c: Case, input: Buffer, chunkSize: number): Promise<Outcome> {
  let columns: ColumnOp[] = [];
  try {
    const run = await runEngine(input, {
      chunkSize,
      readSize: c.readSize,
      escape: escapeOf(c.dialect),
      maxRecordBytes: c.maxRecordBytes,
      columns: (h) => (columns = plan(h, c.encoding)),
      init: { aesKey: Buffer.from(KEY_HEX, 'hex'), aesIv: Buffer.from(IV_HEX, 'hex'), cipherEncoding: c.encoding, defaultCountry: 'US' },
    });
    const reasons: Record<string, number> = {};
    for (const r of run.rejects) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
    return { output: run.output, rejects: JSON.stringify(run.rejects), records: run.records, recordsOut: run.recordsOut, rejected: run.rejects.length, blankLines: run.blankLines, columns, reasons };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === undefined || !DOCUMENTED_CODES.has(code)) throw new Error(`undocumented error ${code ?? ''}: ${(err as Error).stack ?? String(err)}`);
    return { error: code };
  }
}

/** The properties every finished run must have; throws with the input on a violation. */
function checkOutcome(c: Case, input: Buffer, o: Outcome): void {
  if ('error' in o) return;
  const where = `input ${show(input)} (${c.dialect}, ${c.encoding}, max-record-bytes ${c.maxRecordBytes}, line end ${JSON.stringify(c.lineEnd)})`;
  // Unmutated, the input is valid CSV: it holds exactly the generated records.
  if (c.mutations.length === 0 && o.records !== c.rows) throw new Error(`valid CSV of ${c.rows} records read as ${o.records}: ${where}`);
  if (o.records !== o.recordsOut + o.rejected) throw new Error(`records ${o.records} != out ${o.recordsOut} + rejected ${o.rejected}: ${where}`);
  const header = untouchedHeader(input, c.lineEnd);
  if (header && !o.output.subarray(0, header.length).equals(header)) throw new Error(`the output does not start with the header line: output ${show(o.output)}, ${where}`);
  const read = readOutput(o.output, c.dialect);
  if ('error' in read) throw new Error(`output is not CSV (${read.error}): output ${show(o.output)}, ${where}`);
  const [names, ...records] = read.records;
  if (records.length !== o.recordsOut) throw new Error(`output holds ${records.length} records, the count says ${o.recordsOut}: output ${show(o.output)}, ${where}`);
  records.forEach((fields, r) => {
    if (fields.length !== names.length) throw new Error(`output record ${r + 1} has ${fields.length} fields, the header ${names.length}: output ${show(o.output)}, ${where}`);
    for (const col of o.columns) {
      const kind = col.op === Op.Encrypt ? 'cipher' : 'hash';
      const problem = checkProtected(fields[col.index], kind, c.encoding);
      if (problem) throw new Error(`output record ${r + 1}, column ${col.name}: ${problem}; ${where}`);
    }
  });
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error;
  return a.output.equals(b.output) && a.rejects === b.rejects && a.records === b.records && a.recordsOut === b.recordsOut && a.blankLines === b.blankLines;
}

const describeOutcome = (o: Outcome): string =>
  'error' in o ? `error ${o.error}` : `out ${show(o.output)}, rejects ${o.rejects}, records ${o.records}, blank lines ${o.blankLines}`;

const tried = { engine: 0, pool: 0, cli: 0 };
afterAll(() => {
  console.log(`fuzz (seed ${SEED}): ${tried.engine} inputs through the engine at ${tried.engine * 3}+ chunk sizes, ${tried.pool} through the pool, ${tried.cli} through the CLI`);
});

describe('fuzz: mutated CSV', () => {
  it(`engine: the properties hold on ${RUNS} inputs at every chunk size`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        tried.engine++;
        const input = inputOf(c);
        const whole = await engineOutcome(c, input, 1 << 20);
        checkOutcome(c, input, whole);
        for (const size of c.chunkSizes) {
          const o = await engineOutcome(c, input, size);
          if (!sameOutcome(whole, o)) {
            throw new Error(`chunk size ${size} differs from one chunk: input ${show(input)} (${c.dialect}, max-record-bytes ${c.maxRecordBytes})\n  one chunk: ${describeOutcome(whole)}\n  ${size}: ${describeOutcome(o)}`);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 600_000 + RUNS * 50);

  it(`pool: the same outcome with 1 to 3 workers as the engine alone, on ${POOL_RUNS} inputs`, async () => {
    const lib = await import(`${ROOT}/dist/index.js`);
    const pino = (await import('pino')).default;
    const dir = mkdtempSync(join(tmpdir(), 'ap-fuzz-'));
    try {
      await fc.assert(
        fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 3 }), async (c, workers) => {
          tried.pool++;
          const input = inputOf(c);
          const engine = await engineOutcome(c, input, 1 << 20);
          const runs = [];
          for (const [w, chunkSize] of [[1, c.chunkSizes[0]], [workers, c.chunkSizes[1]]] as const) {
            const rejects = join(dir, `rejects-${tried.pool}-${w}-${chunkSize}.csv`);
            const config = lib.buildProcessConfig(
              { hash: ['email=email_lc_sha256', 'phone=phone_sha256'], encrypt: ['crm'], aesIv: IV_HEX, cipherEncoding: c.encoding, defaultCountry: 'US', escape: c.dialect === 'rfc' ? '"' : '\\', workers: String(w), chunkSize: String(chunkSize), maxRecordBytes: String(c.maxRecordBytes), maxRejects: 'none', rejects },
              {},
              { AUDIENCE_PIPE_AES_KEY: KEY_HEX },
            );
            const written: Buffer[] = [];
            let outcome;
            try {
              outcome = await lib.runProcess(config, {
                source: { description: 'memory', parts: async () => [{ name: 'mem.csv', open: async () => Readable.from([input]) }] },
                openSink: () => ({ description: 'memory', open: async () => new Writable({ write: (chunk: Buffer, _e, cb) => (written.push(Buffer.from(chunk)), cb()) }), commit: async () => {}, abort: async () => {} }),
                log: pino({ level: 'silent' }),
              });
            } catch (err) {
              outcome = { exitCode: (err as { exitCode?: number }).exitCode ?? -1, report: { status: 'thrown', error: { code: (err as { code?: string }).code } } };
            }
            if (![0, 1, 2].includes(outcome.exitCode)) throw new Error(`exit code ${outcome.exitCode}: input ${show(input)}`);
            let rejectFile = '';
            try {
              rejectFile = readFileSync(rejects, 'latin1');
            } catch {
              // No reject file when the run failed: checked below through the report.
            }
            runs.push({ w, chunkSize, exitCode: outcome.exitCode, report: outcome.report, output: Buffer.concat(written), rejectFile });
          }
          for (const run of runs) {
            const where = `${run.w} workers, chunk size ${run.chunkSize}: input ${show(input)} (${c.dialect}, max-record-bytes ${c.maxRecordBytes})`;
            if ('error' in engine) {
              if (run.exitCode === 0 || run.report.error?.code !== engine.error) throw new Error(`engine ended ${engine.error}, the pool exit ${run.exitCode} ${JSON.stringify(run.report.error)}; ${where}`);
              continue;
            }
            if (run.exitCode !== 0) throw new Error(`exit ${run.exitCode} ${JSON.stringify(run.report.error)} where the engine finished; ${where}`);
            const r = run.report;
            if (r.recordsIn !== r.recordsOut + r.recordsRejected) throw new Error(`report: in ${r.recordsIn} != out ${r.recordsOut} + rejected ${r.recordsRejected}; ${where}`);
            if (!run.output.equals(engine.output) || r.recordsIn !== engine.records || r.recordsRejected !== engine.rejected || r.blankLines !== engine.blankLines) {
              throw new Error(`differs from the engine: ${show(run.output)} ${JSON.stringify(r)} vs ${describeOutcome(engine)}; ${where}`);
            }
            expect(r.rejectReasons).toEqual(engine.reasons);
            if (run.rejectFile.split('\n').length !== runs[0].rejectFile.split('\n').length || run.rejectFile !== runs[0].rejectFile) {
              throw new Error(`reject file differs between worker counts: ${JSON.stringify(run.rejectFile)} vs ${JSON.stringify(runs[0].rejectFile)}; ${where}`);
            }
          }
        }),
        { seed: SEED + 1, numRuns: POOL_RUNS },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000 + POOL_RUNS * 2000);

  it('CLI: documented exit codes, data alone on stdout, NDJSON or one line on stderr', async () => {
    const cases = fc.sample(caseArb, { seed: SEED + 2, numRuns: 4 });
    for (const [k, c] of cases.entries()) {
      tried.cli++;
      const input = inputOf(c);
      const engine = await engineOutcome(c, input, 1 << 20);
      const res = await runCli(
        ['process', '--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256', '--encrypt', 'crm', '--aes-iv', IV_HEX, '--cipher-encoding', c.encoding, '--default-country', 'US', '--escape', c.dialect === 'rfc' ? '"' : '\\', '--max-record-bytes', String(c.maxRecordBytes), '--max-rejects', 'none', '--workers', String(1 + (k % 3)), '--chunk-size', String(c.chunkSizes[0])],
        { input, env: { AUDIENCE_PIPE_AES_KEY: KEY_HEX } },
      );
      const where = `input ${show(input)} (${c.dialect})`;
      expect([0, 1, 2], where).toContain(res.code);
      for (const line of logLines(res.stderr)) {
        if ('text' in line) expect(String(line.text), where).toMatch(/^audience-pipe: /);
      }
      if ('error' in engine) expect(res.code, where).not.toBe(0);
      else {
        expect(res.code, `${where}: ${res.stderr}`).toBe(0);
        expect(res.stdout.equals(engine.output), where).toBe(true);
      }
    }
  }, 120_000);
});

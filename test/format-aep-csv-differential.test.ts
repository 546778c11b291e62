/**
 * `--from aep-csv` against csv-parse (`escape: '\\'`, `bom: true`), the reference reader: seeded
 * random AEP exports (values with quotes, backslashes, commas, CR, LF, TAB and non-ASCII text;
 * quoted where needed and now and then where not; a BOM or not; LF or CRLF; blank lines) run
 * through the library (`processFile`, the worker pool) with `--passthrough` at several chunk
 * sizes with 1 and 2 workers. The output's records read back equal csv-parse's records of the
 * input, and the output's bytes are the input's with the BOM dropped and CRLF record ends as LF.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { processFile as ProcessFile } from '../src/process-file.js';
import { ROOT, tempDir } from './helpers/cli.js';

// The built library, as a program uses it: its workers run the built JS.
const { processFile } = (await import(`${ROOT}/dist/index.js`)) as { processFile: typeof ProcessFile };

const SEED = 20261202;
const RUNS = 40;

const CHARS = ['a', 'Z', '0', ' ', ',', '"', '\\', '\r', '\n', '\t', "'", 'é', '€', ';'];
const NEEDS_QUOTES = /[",\\\r\n]/;

/** A value as AEP writes it: quoted when it must be (and sometimes when not), `"` and `\` escaped inside. */
const encoded = (value: string, quoteAnyway: boolean): string => (NEEDS_QUOTES.test(value) || quoteAnyway ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : value);

interface AepFile {
  /** The file as read. */
  input: Buffer;
  /** What --passthrough must write: no BOM, each record end LF, no blank line. */
  normalised: Buffer;
  records: number;
  blankLines: number;
}

const valueArb = fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((cs) => cs.join(''));
const fieldArb = fc.tuple(valueArb, fc.boolean()).map(([v, quoteAnyway]) => encoded(v, quoteAnyway));

const fileArb: fc.Arbitrary<AepFile> = fc
  .record({
    columns: fc.integer({ min: 1, max: 5 }),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    finalLineEnd: fc.boolean(),
    rows: fc.integer({ min: 0, max: 40 }),
    fields: fc.array(fieldArb, { minLength: 200, maxLength: 200 }),
    blanks: fc.array(fc.boolean(), { minLength: 41, maxLength: 41 }),
  })
  .map(({ columns, bom, crlf, finalLineEnd, rows, fields, blanks }) => {
    const eol = crlf ? '\r\n' : '\n';
    const header = Array.from({ length: columns }, (_, i) => (i === 1 ? encoded(`na"me ${i}`, false) : `c${i}`)).join(',');
    const lines: string[] = [header];
    const kept: string[] = [header];
    let blankLines = 0;
    let records = 0;
    for (let r = 0; r < rows; r++) {
      // A row of one empty unquoted value is a blank line to csv-parse and to us: it makes none.
      const row = Array.from({ length: columns }, (_, c) => fields[(r * columns + c) % fields.length]).join(',');
      if (row === '') {
        blankLines++;
        lines.push(row);
        continue;
      }
      lines.push(row);
      kept.push(row);
      records++;
      if (blanks[r]) {
        lines.push('');
        blankLines++;
      }
    }
    let text = lines.join(eol);
    if (finalLineEnd || lines.at(-1) === '') text += eol;
    const input = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
    return { input, normalised: Buffer.from(kept.map((l) => `${l}\n`).join('')), records, blankLines };
  });

describe('--from aep-csv equals csv-parse with escape "\\" and bom', () => {
  const tmp = tempDir('ap-aep-diff-');
  afterAll(() => tmp.cleanup());
  let n = 0;

  it(`seeded random exports read the same at chunk sizes 1, 7-4096 and 1 MiB, 1 and 2 workers (${RUNS} files, seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, fc.integer({ min: 7, max: 4096 }), async (file, chunk) => {
        const reference = parse(file.input, { escape: '\\', bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
        expect(reference.length).toBe(file.records + 1);
        const inPath = join(tmp.dir, `in-${n}.csv`);
        writeFileSync(inPath, file.input);
        for (const [workers, chunkSize] of [[1, 1], [2, chunk], [2, 1 << 20]] as const) {
          const outPath = join(tmp.dir, `out-${n}-${workers}-${chunkSize}.csv`);
          const report = await processFile({ in: inPath, out: outPath, from: 'aep-csv', passthrough: true, workers, chunkSize });
          const output = readFileSync(outPath);
          expect(parse(output, { escape: '\\' })).toEqual(reference);
          // The header keeps no BOM: its first name is c0.
          expect(reference[0][0]).toBe('c0');
          expect(output.toString('latin1')).toBe(file.normalised.toString('latin1'));
          expect(report.recordsIn).toBe(file.records);
          expect(report.recordsOut).toBe(file.records);
          expect(report.recordsRejected).toBe(0);
          expect(report.blankLines).toBe(file.blankLines);
        }
        n++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

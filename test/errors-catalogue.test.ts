/**
 * #10: one catalogue of error codes. Every code named in src/ is in the catalogue
 * (src/errors/catalogue.ts) and in docs/errors.md with the catalogue's exit code and words, and
 * the docs list no code the catalogue lacks; no error in src/ is made without a code; the CLI's
 * exit code and hint come from the catalogue.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const { CATALOGUE } = await import(`${ROOT}/dist/errors/catalogue.js`);
const { AudiencePipeError, ConfigError, RunError } = await import(`${ROOT}/dist/errors/errors.js`);
const { classify, errorSummary } = await import(`${ROOT}/dist/errors/classify.js`);
const { hintFor } = await import(`${ROOT}/dist/cli/hints.js`);

type Catalogue = Record<string, { exit: number; meaning: string; action: string }>;

/** ERR_ codes named anywhere in a text; UND_ERR_* (undici's) and STDERR_* are not ours. */
const codesIn = (text: string): string[] => [...text.matchAll(/(?<![A-Za-z0-9_])ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*/g)].map((m) => m[0]);

interface DocRow {
  exit: number;
  meaning: string;
  action: string;
}
const unescape = (cell: string): string => cell.replace(/\\\|/g, '|').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
/** The docs' table rows: | `ERR_X` | exit | meaning | what to do | */
const docRows = (markdown: string): Map<string, DocRow> => {
  const rows = new Map<string, DocRow>();
  for (const m of markdown.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| (\d+) \| ((?:[^|\\]|\\.)*) \| ((?:[^|\\]|\\.)*) \|$/gm)) {
    rows.set(m[1], { exit: Number(m[2]), meaning: unescape(m[3]), action: unescape(m[4]) });
  }
  return rows;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every discrepancy between the code named in src/, the catalogue and the docs. */
function problems(sources: ReadonlyMap<string, string>, catalogue: Catalogue, docs: string): string[] {
  const found: string[] = [];
  const documented = docRows(docs);
  const named = new Set<string>();
  for (const [file, text] of sources) {
    for (const code of codesIn(text)) {
      named.add(code);
      if (!(code in catalogue)) found.push(`${file}: ${code} is not in the catalogue`);
      if (!documented.has(code)) found.push(`${file}: ${code} is not in docs/errors.md`);
    }
  }
  for (const [code, row] of documented) {
    const entry = catalogue[code];
    if (entry === undefined) {
      found.push(`docs/errors.md: ${code} is not in the catalogue`);
      continue;
    }
    if (entry.exit !== row.exit) found.push(`docs/errors.md: ${code} has exit ${row.exit}, the catalogue ${entry.exit}`);
    if (entry.meaning !== row.meaning || entry.action !== row.action) found.push(`docs/errors.md: ${code} says other words than the catalogue`);
  }
  for (const code of Object.keys(catalogue)) {
    if (!documented.has(code)) found.push(`catalogue: ${code} is not in docs/errors.md`);
    if (!named.has(code)) found.push(`catalogue: ${code} is raised nowhere in src/`);
  }
  return found;
}

/** Errors made without a code: a bare built-in Error, a class of its own on Error, a thrown string. */
function uncoded(sources: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of sources) {
    for (const m of text.matchAll(/\bnew (?:Error|RangeError|TypeError|SyntaxError|ReferenceError)\(|\bthrow\s+['"`]/g)) found.push(`${file}: ${m[0]}`);
    // AudiencePipeError is the one class on Error; every other error class extends it.
    if (file !== join('src', 'errors', 'errors.ts')) for (const m of text.matchAll(/\bextends (?:Error|RangeError|TypeError)\b/g)) found.push(`${file}: ${m[0]}`);
  }
  return found;
}

const catalogueFile = join(ROOT, 'src', 'errors', 'catalogue.ts');
const sources = new Map(sourceFiles(join(ROOT, 'src')).filter((f) => f !== catalogueFile).map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')]));
const docs = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');

describe('the catalogue, src/ and docs/errors.md agree', () => {
  it('every code named in src/ is catalogued and documented with its exit code, and no other', () => {
    expect(problems(sources, CATALOGUE, docs)).toEqual([]);
    expect(docRows(docs).size).toBe(Object.keys(CATALOGUE).length);
  });

  it('finds a code raised in src/ that the catalogue or the docs lack', () => {
    const withNew = new Map([...sources, ['src/x.ts', "throw new RunError('ERR_BRAND_NEW', 'x');"]]);
    expect(problems(withNew, CATALOGUE, docs)).toEqual(['src/x.ts: ERR_BRAND_NEW is not in the catalogue', 'src/x.ts: ERR_BRAND_NEW is not in docs/errors.md']);
    const undocumented = docs.replace(/^\| `ERR_GZIP` .*\n/m, '');
    expect(problems(sources, CATALOGUE, undocumented)).toContain('catalogue: ERR_GZIP is not in docs/errors.md');
    expect(problems(sources, CATALOGUE, undocumented).some((p) => p.endsWith(': ERR_GZIP is not in docs/errors.md') && p.startsWith('src/'))).toBe(true);
  });

  it('finds a documented code whose words differ from the catalogue', () => {
    const reworded = docs.replace(/^(\| `ERR_GZIP` \| 1 \| )the input/m, '$1an input');
    expect(reworded).not.toBe(docs);
    expect(problems(sources, CATALOGUE, reworded)).toEqual(['docs/errors.md: ERR_GZIP says other words than the catalogue']);
  });

  it('finds a documented code the catalogue lacks, and an exit code that differs', () => {
    expect(problems(sources, CATALOGUE, `${docs}| \`ERR_GONE\` | 1 | gone | nothing |\n`)).toEqual(['docs/errors.md: ERR_GONE is not in the catalogue']);
    const wrongExit = docs.replace(/^\| `ERR_SAME_FILE` \| 2 \|/m, '| `ERR_SAME_FILE` | 1 |');
    expect(problems(sources, CATALOGUE, wrongExit)).toEqual(['docs/errors.md: ERR_SAME_FILE has exit 1, the catalogue 2']);
  });

  it('finds a catalogued code that nothing raises', () => {
    expect(problems(sources, { ...CATALOGUE, ERR_UNUSED: { exit: 1, meaning: '-', action: '-' } }, `${docs}| \`ERR_UNUSED\` | 1 | - | - |\n`)).toEqual(['catalogue: ERR_UNUSED is raised nowhere in src/']);
  });

  it('no error is made without a code: no bare Error, no class of its own on Error, no thrown string', () => {
    expect(uncoded(sources)).toEqual([]);
    const bad = new Map([
      ['src/a.ts', "if (x) throw new RangeError('x');"],
      ['src/b.ts', "cb(new Error('closed'));"],
      ['src/c.ts', 'export class Odd extends Error {}'],
      ['src/d.ts', "throw 'no';"],
    ]);
    expect(uncoded(bad)).toEqual(['src/a.ts: new RangeError(', 'src/b.ts: new Error(', 'src/c.ts: extends Error', "src/d.ts: throw '"]);
  });

  it('README links docs/errors.md', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('[docs/errors.md](docs/errors.md)');
  });
});

describe('exit codes and hints come from the catalogue', () => {
  it("an error's exit code is its code's", () => {
    for (const [code, entry] of Object.entries(CATALOGUE as Catalogue)) expect(new AudiencePipeError(code, 'x').exitCode, code).toBe(entry.exit);
    expect(new ConfigError('x', 'opt', undefined, 'ERR_TARGET')).toMatchObject({ code: 'ERR_TARGET', exitCode: 2, option: 'opt' });
    expect(new RunError('ERR_OUTPUT_LOCKED', 'x').exitCode).toBe(1);
  });

  it("the CLI's hint is the code's action, the run's for a code it does not know", () => {
    expect(hintFor('ERR_GZIP')).toBe(CATALOGUE.ERR_GZIP.action);
    expect(hintFor('ENOSPC')).toBe(CATALOGUE.ERR_RUN.action);
    expect(hintFor(undefined)).toBe(CATALOGUE.ERR_RUN.action);
  });
});

describe('a foreign error becomes a catalogue error, the original as its cause', () => {
  it('a Node error keeps its message under ERR_RUN, zlib errors are ERR_GZIP', () => {
    const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    expect(classify(eio)).toMatchObject({ code: 'ERR_RUN', message: 'EIO: i/o error, read', cause: eio, exitCode: 1 });
    const zlib = Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' });
    expect(classify(zlib)).toMatchObject({ code: 'ERR_GZIP', message: 'input is not valid gzip: incorrect header check', cause: zlib });
    expect(errorSummary('a string')).toEqual({ code: 'ERR_RUN', message: 'a string' });
  });

  it('a project error stays as it is', () => {
    const own = new RunError('ERR_INPUT', 'x');
    expect(classify(own)).toBe(own);
  });

  it("a code of a JavaScript caller's own (not in the catalogue) is reported as ERR_RUN, the error as cause", () => {
    const custom = new RunError('MY_SOURCE_FAILED', 'the source broke');
    expect(custom.exitCode).toBe(1);
    expect(classify(custom)).toMatchObject({ code: 'ERR_RUN', message: 'the source broke', cause: custom });
  });
});

/** checkTargets, as `--dry-run` calls it: it finds what each output path names and writes nothing. */
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildProcessConfig } from '../src/config/load.js';
import { resolveTarget } from '../src/outputs/resolve-target.js';
import { checkTargets } from '../src/outputs/targets.js';
import { tempDir } from './helpers/cli.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('ap-check-'));
});
afterAll(() => cleanup());

const config = (options: Record<string, unknown>) => buildProcessConfig({ hash: ['email=email_lc_sha256'], ...options }, {}, {});

it('names each target and leaves the directories as they were', async () => {
  const input = join(dir, 'aud.csv');
  writeFileSync(input, 'id,email\n');
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'real.csv'), 'old\n');
  symlinkSync(join(dir, 'real.csv'), join(dir, 'link.csv'));
  // A stale-looking .part and lock of a dead run: only a run removes them, never a check.
  const stale = ['.aud.csv.lock', '.aud.csv.somehost.1.0123abcd.part'];
  for (const name of stale) writeFileSync(join(dir, 'out', name), '');
  const before = readdirSync(dir).sort();

  const checked = await checkTargets(config({ in: input, out: join(dir, 'out'), rejects: join(dir, 'link.csv'), report: '/dev/null' }));
  expect(checked).toEqual([
    { option: 'out', target: { kind: 'file', path: join(dir, 'out', 'aud.csv'), exists: false } },
    { option: 'rejects', target: { kind: 'file', path: join(dir, 'real.csv'), exists: true } },
    { option: 'report', target: { kind: 'direct', path: '/dev/null' } },
  ]);
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(readdirSync(join(dir, 'out')).sort()).toEqual(stale.sort());
});

it('throws a ConfigError naming the option, with a stable code', async () => {
  await expect(checkTargets(config({ report: join(dir, 'missing', 'r.json') }))).rejects.toMatchObject({ code: 'ERR_TARGET', option: 'report', exitCode: 2 });
  await expect(checkTargets(config({ out: join(dir, 'a.csv'), rejects: join(dir, 'a.csv') }))).rejects.toMatchObject({ code: 'ERR_SAME_FILE', option: 'rejects', exitCode: 2 });
});

it('resolveTarget: links are followed to the end, a loop is refused, descriptors are named as such', async () => {
  const at = join(dir, 'links');
  mkdirSync(at);
  symlinkSync(join(at, 'b'), join(at, 'a'));
  symlinkSync('c.csv', join(at, 'b'));
  expect(await resolveTarget(join(at, 'a'), 'out')).toEqual({ kind: 'file', path: join(at, 'c.csv'), exists: false });
  symlinkSync(join(at, 'loop'), join(at, 'loop'));
  await expect(resolveTarget(join(at, 'loop'), 'rejects')).rejects.toMatchObject({ code: 'ERR_TARGET', message: expect.stringMatching(/--rejects: .*too many levels of symbolic links/) });
  symlinkSync('/proc/self/fd/1', join(at, 'stdout'));
  expect(await resolveTarget(join(at, 'stdout'), 'report')).toEqual({ kind: 'fd', path: '/proc/self/fd/1', fd: 1 });
  await expect(resolveTarget('/dev/fd/987', 'out')).rejects.toMatchObject({ code: 'ERR_TARGET', message: expect.stringMatching(/descriptor 987 is not open/) });
  expect(readdirSync(at).sort()).toEqual(['a', 'b', 'loop', 'stdout']);
});

it('a run that names its own files (AAM inbound, AEP style) may write into the directory that holds its input', async () => {
  const sub = join(dir, 'own-names');
  mkdirSync(sub);
  const input = join(sub, 'aud.csv');
  writeFileSync(input, 'id,email\n1,a@x.org\n');
  const aam = config({ in: input, out: `${sub}/`, to: 'aam-inbound', idColumn: 'email', dpid: 1234 });
  expect((await checkTargets(aam)).find((t) => t.option === 'out')).toMatchObject({ target: { kind: 'dir' } });
  await expect(checkTargets(config({ in: input, out: `${sub}/`, to: 'aep-csv', destination: 'campaign', segment: '1' }))).resolves.toBeDefined();
  // A name taken from the input still is the input: refused.
  await expect(checkTargets(config({ in: input, out: `${sub}/` }))).rejects.toMatchObject({ code: 'ERR_SAME_FILE' });
  // stdin into a directory needs no --name when the format names the files.
  await expect(checkTargets(config({ in: '-', out: `${sub}/`, to: 'aam-inbound', idColumn: 'email', dpid: 1234 }))).resolves.toBeDefined();
});

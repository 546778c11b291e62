/**
 * README's "As a library" example, compiled with `tsc --strict` against the packed package (as a
 * program that installed it sees it) and run. The package's dependencies come from this
 * checkout's node_modules, linked in: no network install.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-library-packed-');
afterAll(cleanup);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The one TypeScript block of README's "As a library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## As a library'));
  const m = /```ts\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)));
  if (!m) throw new Error('README has no TypeScript example under "As a library"');
  return m[1];
}

it('the README example compiles with tsc --strict against the packed package and runs', async () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string }>;
  const project = join(dir, 'project');
  const installed = join(project, 'node_modules', 'audience-pipe');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed[0].filename), '-C', installed, '--strip-components=1']);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(pkg.dependencies), '@types']) symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-audience-pipe', private: true, type: 'module' }));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], skipLibCheck: false, outDir: 'out' }, files: ['example.ts'] }));
  writeFileSync(join(project, 'example.ts'), readmeExample());

  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--strict'], { cwd: project, encoding: 'utf8' });
  const stdout = execFileSync(process.execPath, [join(project, 'out', 'example.js')], { cwd: project, encoding: 'utf8' });

  expect(stdout).toContain('3 of 4 records written, 1 rejected');
  const hashed = readFileSync(join(project, 'b.csv'), 'utf8').split('\n');
  expect(hashed[0]).toBe('id,email');
  expect(hashed[1]).toBe(`1,${sha('ann@example.com')}`);
  expect(readFileSync(join(project, 'rejects.csv'), 'utf8')).toContain('invalid_email');
  const encrypted = readFileSync(join(project, 'c.csv'), 'utf8').split('\n');
  expect(encrypted[1]).toMatch(new RegExp(`^[0-9a-f]{32},${sha('ann@example.com')}$`));
}, 120_000);

/**
 * The README's first-use promises: its recipes keep data and keys out of git and make key files
 * readable by their owner only, its opening stays free of internals, and its note on npm's
 * EBADENGINE warnings is there for whoever runs `npm ci` under an older system Node.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const { dir, cleanup } = tempDir('ap-readme-');
afterAll(cleanup);

/** The lines of the first bash block after a heading. */
function bashBlockAfter(heading: string): string[] {
  const from = `\n${readme}`.indexOf(`\n${heading}\n`);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(from))!;
  return block[1].split('\n').filter(Boolean);
}

describe('README', () => {
  it('opens with the two commands that need nothing but a clone, and the scripts they name exist', () => {
    expect(bashBlockAfter('# audience-pipe').map((l) => l.split('#')[0].trim())).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['demo', 'test']));
  });

  it('the Use recipe creates its key file 0600, whatever the umask', () => {
    const line = bashBlockAfter('## Use').find((l) => l.includes('openssl rand'));
    expect(line).toBeDefined();
    const r = spawnSync('bash', ['-c', `umask 022; ${line!.split('#')[0]}`], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(join(dir, 'key.hex')).mode & 0o777).toBe(0o600);
  });

  it('the Use recipe writes its data and key into a folder git ignores, before the first file', () => {
    const lines = bashBlockAfter('## Use');
    const cd = lines.findIndex((l) => /^mkdir -p (\S+) && cd \1\b/.test(l));
    const firstWrite = lines.findIndex((l) => /(^|[^2])> ?\w/.test(l.split('#')[0]));
    expect(cd).toBeGreaterThanOrEqual(0);
    expect(cd).toBeLessThan(firstWrite);
    const folder = /^mkdir -p (\S+)/.exec(lines[cd])![1];
    for (const f of ['aud.csv', 'key.hex', 'out.csv', 'rejects.csv', 'report.json']) {
      expect(spawnSync('git', ['check-ignore', '-q', `${folder}/${f}`], { cwd: ROOT }).status, f).toBe(0);
    }
  });

  it('the demo writes into a folder git ignores', () => {
    const demoDefault = /'--dir <path>'.*\.default\('([^']+)'/.exec(readFileSync(join(ROOT, 'src', 'tools', 'demo', 'command.ts'), 'utf8'))![1];
    expect(spawnSync('git', ['check-ignore', '-q', `${demoDefault}/aes.key`], { cwd: ROOT }).status).toBe(0);
    expect(readme).toContain(`(default \`${demoDefault}/\`, gitignored`);
  });

  it('says that the EBADENGINE warnings of npm ci under an older system Node are harmless', () => {
    expect(readme).toMatch(/`npm ci` prints\s+`npm warn EBADENGINE Unsupported engine`[^.]*: harmless/);
  });

  it('keeps the internals (native builds, node-gyp, ObjectWrap) out of its opening, in How it works', () => {
    const opening = readme.slice(0, readme.indexOf('\n## '));
    expect(opening).not.toMatch(/ObjectWrap|node-gyp|build-native|SHA-256 batch/);
    const howItWorks = readme.slice(readme.indexOf('\n## How it works'));
    expect(howItWorks).toMatch(/Native pieces:[\s\S]*ObjectWrap/);
  });
});

/**
 * What the published package holds (`npm pack --dry-run --json`, after the pretest build): the
 * built code, the licence, the README and what the postinstall needs to build the native addon;
 * no tests, sources or benchmarks, no source map pointing at a file the package lacks, and every
 * package its code imports declared as a dependency (only those).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

interface Pack {
  files: Array<{ path: string }>;
}

function packedFiles(): string[] {
  // --ignore-scripts: no prepack/prepare may rebuild dist/ under the suites that run it.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Pack[])[0].files.map((f) => f.path).sort();
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  bin: Record<string, string>;
  main: string;
  types: string;
  dependencies: Record<string, string>;
};

/** Bare package names a file imports (static, dynamic or through require), without node: built-ins. */
function importedPackages(text: string): string[] {
  const names = [...text.matchAll(/(?:from\s+|import\(\s*|require(?:\.resolve)?\(\s*)'([^'.][^']*)'/g)].map((m) => m[1]);
  return names
    .filter((n) => !n.startsWith('node:'))
    .map((n) => (n.startsWith('@') ? n.split('/').slice(0, 2).join('/') : n.split('/')[0]));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the published package', () => {
  const files = packedFiles();

  it('holds the built code, LICENSE, README and the native sources the postinstall builds', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', pkg.bin['audience-pipe'], pkg.main, pkg.types, 'dist/worker/entry.js', 'scripts/build-native.mjs', 'native/binding.gyp', 'native/sha256_batch.c']) {
      expect(files, f).toContain(f);
    }
  });

  it('holds no tests, sources, benchmarks, CI files or native build output', () => {
    expect(files.filter((f) => /^(test|src|bench|\.ci|native\/build|node_modules)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('no shipped file refers to a source map the package lacks', () => {
    const shipped = new Set(files);
    const dangling: string[] = [];
    for (const f of files.filter((p) => p.endsWith('.js') || p.endsWith('.map'))) {
      if (f.endsWith('.map')) {
        dangling.push(f);
        continue;
      }
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(ROOT, f), 'utf8'));
      if (m && !shipped.has(join(f, '..', m[1]))) dangling.push(`${f} -> ${m[1]}`);
    }
    expect(dangling).toEqual([]);
  });

  it('LICENSE is the full Apache License 2.0 that package.json declares', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    for (let section = 1; section <= 9; section++) expect(text).toMatch(new RegExp(`\\n\\s+${section}\\. [A-Z]`));
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });

  it('its dependencies are exactly the packages its code imports (test-only ones are devDependencies)', () => {
    // scripts/build-native.mjs only looks optional packages up (node, ssh2, node-gyp): not scanned.
    const imported = new Set(sourceFiles(join(ROOT, 'src')).flatMap((f) => importedPackages(readFileSync(f, 'utf8'))));
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });
});

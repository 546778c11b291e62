/**
 * A `process` run loads only what it uses: the generate, demo and bench commands (the generator
 * and the bench harness, ~20 modules) are imported by cli.ts only for a command line that is not
 * a `process` run, so a shell pipeline that starts the CLI per file does not compile them each time.
 * Checked on the build's static import graph (what loads before any code runs), not by timing.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"();]*?from\s*['"](\.[^'"]+)['"]/g)) visit(resolve(dirname(file), m[1]));
  };
  visit(entry);
  return new Set([...seen].map((f) => relative(join(ROOT, 'dist'), f)));
}

describe('the CLI at start-up', () => {
  it('imports no module of src/tools/ statically', () => {
    const graph = staticGraph(join(ROOT, 'dist', 'cli', 'cli.js'));
    expect(graph.has('pipeline/run-process.js')).toBe(true);
    expect([...graph].filter((f) => f.startsWith('tools/'))).toEqual([]);
  });
});

/**
 * Help a person can use: every command's --help ends with a few examples, defaults read one way,
 * `(default: ...)`, and `audience-pipe` alone prints the help on stderr and exits 2.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const COMMANDS = [[], ['process'], ['generate'], ['demo'], ['bench'], ['config-schema'], ['doctor'], ['verify'], ['import-audience'], ['export-audience']];

describe('--help', () => {
  for (const cmd of COMMANDS) {
    const name = ['audience-pipe', ...cmd].join(' ');
    it(`${name} --help ends with two or three examples of audience-pipe commands`, async () => {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      const help = r.stdout.toString();
      const tail = help.slice(help.lastIndexOf('\nExamples:\n') + '\nExamples:\n'.length).trimEnd().split('\n');
      expect(help).toContain('\nExamples:\n');
      expect(tail.length).toBeGreaterThanOrEqual(2);
      expect(tail.length).toBeLessThanOrEqual(3);
      for (const line of tail) expect(line).toMatch(/^ {2}\$ (.*\baudience-pipe [a-z-]+\b|npm run demo$)/);
    });

    it(`${name} --help shows every default as (default: ...)`, async () => {
      const help = (await runCli([...cmd, '--help'])).stdout.toString().replace(/\s+/g, ' ');
      // Every "default" that is not part of an option name (--default-country) opens "(default: ".
      const uses = [...help.matchAll(/(?<![-\w])default\b/gi)].map((m) => help.slice(Math.max(0, m.index - 1), m.index + 9));
      for (const use of uses) expect(use).toBe('(default: ');
      // commander's own form, `(default: "x")`, is not used ( " alone is --escape's default).
      expect(help).not.toMatch(/\(default: "[^)]/);
    });
  }
});

it('the list above is every command audience-pipe has', async () => {
  const help = (await runCli(['--help'])).stdout.toString();
  const listed = help.slice(help.indexOf('Commands:'), help.indexOf('Examples:')).match(/^ {2}([a-z-]+)/gm)!.map((l) => l.trim()).filter((c) => c !== 'help');
  expect(listed.sort()).toEqual(COMMANDS.filter((c) => c.length > 0).map((c) => c[0]).sort());
});

describe('no arguments', () => {
  it('prints the help on stderr, nothing on stdout, and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^Usage: audience-pipe \[options\] \[command\]/);
    expect(r.stderr).toContain('Examples:');
  });
});

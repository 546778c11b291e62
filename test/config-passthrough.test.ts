/** A run that would copy its input unchanged needs --passthrough. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const INPUT = 'id,email\n1,ann@example.com\n';
const { dir, cleanup } = tempDir('ap-config-passthrough-');
afterAll(cleanup);

describe('a run without any change to the data', () => {
  it('exits 2 before any output, naming --passthrough', async () => {
    const out = join(dir, 'copy.csv');
    const res = await runCli(['process', '--out', out], { input: INPUT });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('audience-pipe: nothing to do: without --hash, --encrypt or --decrypt the output would be a copy of the input; pass --passthrough if a copy is what you want');
    expect(existsSync(out)).toBe(false);
    expect(res.stdout.length).toBe(0);
  });

  it('copies the input with --passthrough (or AUDIENCE_PIPE_PASSTHROUGH=true)', async () => {
    const flag = await runCli(['process', '--passthrough'], { input: INPUT });
    expect(flag.code).toBe(0);
    expect(flag.stdout.toString()).toBe(INPUT);
    const env = await runCli(['process'], { input: INPUT, env: { AUDIENCE_PIPE_PASSTHROUGH: 'true' } });
    expect(env.code).toBe(0);
    expect(env.stdout.toString()).toBe(INPUT);
  });

  it('is one check the library shares, listing what a run changes', async () => {
    const { buildProcessConfig } = await import(`${ROOT}/dist/config/load.js`);
    const { changesOf } = await import(`${ROOT}/dist/config/passthrough.js`);
    expect(() => buildProcessConfig({}, {})).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', option: 'passthrough' }));
    expect(changesOf(buildProcessConfig({ hash: ['email=sha256'], encrypt: [] }, {}))).toEqual(['--hash email=sha256']);
    expect(buildProcessConfig({}, { passthrough: true }).passthrough).toBe(true);
  });
});

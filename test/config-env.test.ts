/** AUDIENCE_PIPE_<OPTION> variables: every option has one, unknown names stop the run with the nearest name. */
import { createCipheriv, createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const KEY_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const IV_HEX = '00112233445566778899aabbccddeeff';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const INPUT = 'id,email,phone\n1,Ann@Example.com,+1 415 555 0123\n2,bob@example.com,+14155550124\n';
const { dir, cleanup } = tempDir('ap-config-env-');
afterAll(cleanup);

describe('options from the environment', () => {
  it('AUDIENCE_PIPE_HASH hashes the column (it used to write the e-mails in clear text)', async () => {
    const res = await runCli(['process'], { input: INPUT, env: { AUDIENCE_PIPE_HASH: 'email=email_lc_sha256' } });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe(`id,email,phone\n1,${sha('ann@example.com')},+1 415 555 0123\n2,${sha('bob@example.com')},+14155550124\n`);
  });

  it('takes a repeatable option as a comma-separated list', async () => {
    const res = await runCli(['process'], { input: INPUT, env: { AUDIENCE_PIPE_HASH: 'email=email_lc_sha256, phone=phone_sha256' } });
    expect(res.code).toBe(0);
    expect(res.stdout.toString().split('\n')[1]).toBe(`1,${sha('ann@example.com')},${sha('14155550123')}`);
  });

  it('encrypts with AUDIENCE_PIPE_ENCRYPT, AUDIENCE_PIPE_AES_IV and the key from AUDIENCE_PIPE_AES_KEY', async () => {
    const res = await runCli(['process'], { input: INPUT, env: { AUDIENCE_PIPE_ENCRYPT: 'email', AUDIENCE_PIPE_AES_IV: IV_HEX, AUDIENCE_PIPE_AES_KEY: KEY_HEX } });
    expect(res.code).toBe(0);
    const c = createCipheriv('aes-256-cbc', Buffer.from(KEY_HEX, 'hex'), Buffer.from(IV_HEX, 'hex'));
    const expected = Buffer.concat([c.update('Ann@Example.com'), c.final()]).toString('hex');
    expect(res.stdout.toString().split('\n')[1]).toBe(`1,${expected},+1 415 555 0123`);
  });

  it('lets a flag win over the variable, and the variable over the config file', async () => {
    const cfg = join(dir, 'job.json');
    writeFileSync(cfg, JSON.stringify({ hash: ['email=sha256'] }));
    const env = { AUDIENCE_PIPE_HASH: 'email=sha256_lc', AUDIENCE_PIPE_CONFIG: cfg };
    const fromEnv = await runCli(['process'], { input: 'email\nA@B.C\n', env });
    expect(fromEnv.stdout.toString()).toBe(`email\n${sha('a@b.c')}\n`);
    const fromFlag = await runCli(['process', '--hash', 'email=sha256'], { input: 'email\nA@B.C\n', env });
    expect(fromFlag.stdout.toString()).toBe(`email\n${sha('A@B.C')}\n`);
  });

  it('reads a switch as true or false, and refuses anything else', async () => {
    const bad = await runCli(['process', '--hash', 'email=sha256'], { input: 'email\nA@B.C\n', env: { AUDIENCE_PIPE_DELETE_AFTER: 'maybe' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/AUDIENCE_PIPE_DELETE_AFTER: expected true or false/);
    expect(bad.stdout.length).toBe(0);
  });
});

describe('unknown names stop the run with exit 2 and the nearest valid name', () => {
  it('a misspelt variable', async () => {
    const res = await runCli(['process'], { input: INPUT, env: { AUDIENCE_PIPE_HASHES: 'email=email_lc_sha256' } });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('audience-pipe: AUDIENCE_PIPE_HASHES: not a variable audience-pipe knows (did you mean AUDIENCE_PIPE_HASH?)');
    expect(res.stdout.length).toBe(0);
  });

  it('a misspelt secret variable', async () => {
    const res = await runCli(['process', '--hash', 'email=sha256'], { input: INPUT, env: { AUDIENCE_PIPE_SFTP_PASSPHRSE: 'hunter2' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('did you mean AUDIENCE_PIPE_SFTP_PASSPHRASE?');
    expect(res.stderr).not.toContain('hunter2');
  });

  it('a misspelt config-file key', async () => {
    const cfg = join(dir, 'typo.json');
    writeFileSync(cfg, JSON.stringify({ hsah: ['email=email_lc_sha256'] }));
    const res = await runCli(['process', '--config', cfg], { input: INPUT });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe("audience-pipe: --config: unknown key 'hsah' (did you mean 'hash'?)");
    expect(res.stdout.length).toBe(0);
  });
});

describe('the list of variables', () => {
  it('has a variable for every flag of process, and the README names every variable', async () => {
    const { processCommand } = await import(`${ROOT}/dist/cli/process-command.js`);
    const { knownEnvNames, envName } = await import(`${ROOT}/dist/config/env.js`);
    const known: string[] = knownEnvNames();
    for (const option of processCommand().options as Array<{ attributeName(): string }>) {
      expect(known, `--${option.attributeName()}`).toContain(envName(option.attributeName()));
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of known) expect(readme, name).toContain(`\`${name}\``);
  });

  it('the README shows every config-file-only key, which has no variable, as a JSON key', async () => {
    const { PROCESS_OPTIONS } = await import(`${ROOT}/dist/config/options.js`);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const fileOnly = Object.keys(PROCESS_OPTIONS).filter((k) => PROCESS_OPTIONS[k] === 'file');
    expect(fileOnly).toEqual(['accounts', 'keys']);
    for (const key of fileOnly) expect(readme, key).toContain(`"${key}": {`);
  });

  it('covers every AUDIENCE_PIPE_ name in the sources, tests and benchmarks', async () => {
    const { knownEnvNames } = await import(`${ROOT}/dist/config/env.js`);
    const known = new Set<string>(knownEnvNames());
    const used = new Map<string, string>();
    const walk = (path: string): void => {
      for (const entry of readdirSync(path)) {
        const full = join(path, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(ts|mjs|js|sh)$/.test(entry)) {
          for (const m of readFileSync(full, 'utf8').matchAll(/AUDIENCE_PIPE_[A-Z0-9_]*[A-Z0-9]/g)) used.set(m[0], full);
        }
      }
    };
    for (const top of ['src', 'test', 'bench', 'scripts']) walk(join(ROOT, top));
    // Names written in this file as examples of misspellings.
    for (const typo of ['AUDIENCE_PIPE_HASHES', 'AUDIENCE_PIPE_SFTP_PASSPHRSE']) used.delete(typo);
    for (const [name, file] of used) expect(known.has(name), `${name} in ${file}`).toBe(true);
  });
});

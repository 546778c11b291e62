/** One zod schema validates the whole configuration; its JSON Schema describes config files. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const { buildProcessConfig } = await import(`${ROOT}/dist/config/load.js`);
const { kebab, PROCESS_OPTION_KEYS } = await import(`${ROOT}/dist/config/options.js`);
const { dir, cleanup } = tempDir('ap-config-schema-');
afterAll(cleanup);

const failure = (options: Record<string, unknown>, file: Record<string, unknown> = {}): { code: string; option: string; message: string } => {
  try {
    buildProcessConfig(options, file, {});
  } catch (err) {
    return err as { code: string; option: string; message: string };
  }
  throw new Error('no error');
};

describe('buildProcessConfig validates every key and value', () => {
  it('refuses a misspelt key (hsah used to be ignored), naming the nearest one', () => {
    const err = failure({ hsah: ['email=email_lc_sha256'] });
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message).toBe("options: unknown key 'hsah' (did you mean 'hash'?)");
  });

  it.each([
    [{ workers: { n: 2 }, hash: 'email=sha256' }, 'workers', '--workers: expected a number (got {"n":2})'],
    [{ workers: 0, hash: 'email=sha256' }, 'workers', '--workers: 0 is not a whole number >= 1'],
    [{ hash: ['email=sha256', 7] }, 'hash', '--hash: expected <column>=<method> or a list of them (got ["email=sha256",7])'],
    [{ hash: 'email=sha256', cipherEncoding: 'b64' }, 'cipher-encoding', '--cipher-encoding: must be hex or base64 (got "b64")'],
    [{ hash: 'email=sha256', deleteAfter: 'yes' }, 'delete-after', '--delete-after: expected true or false (got "yes")'],
    [{ hash: 'email=sha256', chunkSize: '4 lots' }, 'chunk-size', "--chunk-size: '4 lots' is not a size (examples: 65536, 512KiB, 4MiB)"],
  ])('%j -> %s', (options, option, message) => {
    const err = failure(options);
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.option).toBe(option);
    expect(err.message).toBe(message);
  });

  it('names the key path inside accounts', () => {
    const err = failure({ hash: 'email=sha256' }, { accounts: { crm: { host: 'h', username: 'u', port: '22' } } });
    expect(err.message).toBe('--config: accounts.crm.port: Invalid input: expected number, received string (got "22")');
  });

  it('never shows a secret in a message', () => {
    const key = 'c0ffee'.repeat(5);
    const err = (() => {
      try {
        buildProcessConfig({ encrypt: ['crm_id'], aesIv: '00112233445566778899aabbccddeeff' }, {}, { AUDIENCE_PIPE_AES_KEY: key });
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(err.message).toContain('AUDIENCE_PIPE_AES_KEY');
    expect(err.message).not.toContain(key);
  });

  it('is frozen all the way down, and keeps secrets out of JSON', () => {
    const config = buildProcessConfig({ hash: ['email=sha256'], encrypt: 'crm_id', aesIv: '00112233445566778899aabbccddeeff' }, { accounts: { crm: { host: 'h', username: 'u' } } }, {}, { aesKey: new Uint8Array(32).fill(7) });
    for (const part of [config, config.ops, config.ops[0], config.ops[0].params, config.transport, config.transport.accounts, config.transport.accounts.crm, config.secrets]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(config.secrets.aesKey).toEqual(Buffer.alloc(32, 7));
    expect(JSON.stringify(config)).not.toContain('070707');
  });
});

describe('the JSON Schema of config files', () => {
  it('audience-pipe config-schema prints it, every key in both spellings, nothing else allowed', async () => {
    const res = await runCli(['config-schema']);
    expect(res.code).toBe(0);
    const schema = JSON.parse(res.stdout.toString());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    const fileKeys = (PROCESS_OPTION_KEYS as string[]).filter((k) => k !== 'config' && k !== 'progress');
    expect(Object.keys(schema.properties).sort()).toEqual([...new Set([...fileKeys, ...fileKeys.map(kebab), '$schema'])].sort());
    expect(schema.properties.hash.anyOf).toEqual([{ type: 'string' }, { type: 'array', items: { type: 'string' } }]);
    expect(schema.properties['cipher-encoding'].enum).toEqual(['hex', 'base64']);
    expect(schema.properties.accounts.additionalProperties.required).toEqual(['host', 'username']);
  });

  it('a config file may point at it with "$schema"', async () => {
    const cfg = join(dir, 'job.json');
    writeFileSync(cfg, JSON.stringify({ $schema: './audience-pipe.schema.json', hash: ['email=sha256'] }));
    const res = await runCli(['process', '--config', cfg], { input: 'email\nx\n' });
    expect(res.code).toBe(0);
  });
});

describe('zod stays off the worker side', () => {
  it('no module the worker imports reaches src/config or zod', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2] ?? m[3];
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^zod($|\/)/);
        if (spec.startsWith('.')) {
          const target = new URL(spec, `file://${file}`).pathname;
          expect(target, `${file} imports ${spec}`).not.toContain('/dist/config/');
          visit(target);
        }
      }
    };
    visit(join(ROOT, 'dist', 'worker', 'boot.js'));
    expect(seen.size).toBeGreaterThan(3);
  });
});

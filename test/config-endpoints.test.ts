/** --in / --out are checked while the configuration is built: exit 2 before any byte is read or written. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

let server: Server;
let origin = '';
let requests = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.end('email\na@b.c\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('an output that cannot work stops the run before the input is opened', () => {
  it.each([
    ['SFTP without credentials', ['--out', 'sftp://u@127.0.0.1:1/x.csv'], 'no SFTP credentials for sftp://u@127.0.0.1:1/x.csv'],
    ['a malformed host-key pin', ['--out', 'sftp://u@127.0.0.1:1/x.csv', '--sftp-host-key', 'MD5:aa'], '--sftp-host-key: expected a fingerprint'],
    ['an Azure Blob URL without its SAS', ['--out', 'http://127.0.0.1:1/container/blob'], 'an Azure Blob URL needs a SAS query'],
    ['a spool directory that is not there', ['--out', 'sftp://u@127.0.0.1:1/x.csv', '--tmp-dir', '/nonexistent/spool'], '--tmp-dir: "/nonexistent/spool" is not a directory'],
  ])('%s: exit 2, nothing requested from the input, nothing written', async (_what, args, message) => {
    const before = requests;
    const res = await runCli(['process', '--in', `${origin}/audience.csv`, '--hash', 'email=sha256', ...args], { env: { AUDIENCE_PIPE_SFTP_PASSWORD: args.includes('--tmp-dir') || args.includes('--sftp-host-key') ? 'pw' : '' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stdout.length).toBe(0);
    expect(requests).toBe(before);
  });

  it('the input itself: --delete-after with --move-after', async () => {
    const res = await runCli(['process', '--in', 'sftp://u@127.0.0.1:1/x.csv', '--delete-after', '--move-after', 'done', '--hash', 'email=sha256'], { env: { AUDIENCE_PIPE_SFTP_PASSWORD: 'pw' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--delete-after and --move-after exclude each other');
  });

  it.each([['--in', 'https://'], ['--out', 'https://[bad/c/b?sv=1&sig=SECRETSIG']])('%s %s that does not parse: exit 2, one line, no stack, no signature (it was exit 1 with a TypeError)', async (option, spec) => {
    const res = await runCli(['process', option, spec, '--hash', 'email=sha256'], { input: 'email\na@b.c\n' });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(`audience-pipe: ${option}: not a valid URL (scheme://host/path?query)`);
    expect(res.stderr).not.toContain('SECRETSIG');
    expect(res.stdout.length).toBe(0);
  });
});

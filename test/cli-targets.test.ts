/**
 * Output targets (#9): no two file options on one file, special files written as they are and
 * never replaced, a directory output named after the input or --name, and every target checked
 * before the first input byte is read. The /dev/stderr cases use a link in a temporary
 * directory and a CLI whose stderr goes to a file: the machine's /dev/stderr is never touched.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from './helpers/cli.js';
import { exitWithin, watchCli } from './helpers/outputs.js';

let dir: string;
let cleanup: () => void;
let input: string;
let expected: Buffer;
const HASH = ['--hash', 'email=email_lc_sha256', '--log-level', 'error', '--max-rejects', 'none'];
// Two invalid e-mails: the reject file has a header and two rows.
const SMALL = 'id,email\n1,a@b.c\n2,nope\n3,x@y.z\n4,also-not\n';

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ap-targets-'));
  const gen = await runCli(['generate', '--rows', '5000', '--seed', '9']);
  input = join(dir, 'aud.csv');
  writeFileSync(input, gen.stdout);
  expected = (await runCli(['process', ...HASH, '--in', input])).stdout;
  expect(expected.length).toBeGreaterThan(100_000);
});
afterAll(() => cleanup());

const sub = (name: string): string => {
  const at = join(dir, name);
  mkdirSync(at);
  return at;
};

/** A run whose stdin is never written nor closed: only a refusal before reading can end it. */
async function refusedBeforeReading(args: string[]): Promise<{ code: number | null; stderr: string; stdout: Buffer }> {
  const res = await exitWithin(watchCli(['process', ...HASH, ...args]), 15_000);
  if (res.signal === 'SIGKILL') throw new Error(`not refused before reading: ${args.join(' ')}`);
  return res;
}

describe('two file options on one file: exit 2 before reading, nothing touched', () => {
  it('--out and --rejects, --out and --report, --in and --out, a link to the output, --out - and /dev/stdout', async () => {
    const at = sub('same');
    const out = join(at, 'x.csv');
    writeFileSync(out, 'precious\n');
    symlinkSync(out, join(at, 'link.csv'));
    symlinkSync('/proc/self/fd/1', join(at, 'stdout'));
    const cases: Array<[string[], RegExp]> = [
      [['--out', out, '--rejects', out], /--rejects and --out are the same file/],
      [['--out', out, '--report', out], /--report and --out are the same file/],
      [['--out', join(at, 'new.csv'), '--report', `${at}/./new.csv`], /--report and --out are the same file/],
      [['--in', out, '--out', out], /--out and --in are the same file/],
      [['--out', out, '--rejects', join(at, 'link.csv')], /--rejects and --out are the same file/],
      // As /dev/stdout is, without going near the machine's /dev/stdout.
      [['--out', '-', '--rejects', join(at, 'stdout')], /--rejects and --out are the same file/],
    ];
    for (const [args, message] of cases) {
      const res = await refusedBeforeReading(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stdout.length).toBe(0);
    }
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
    expect(readdirSync(at).sort()).toEqual(['link.csv', 'stdout', 'x.csv']);
  });
});

describe('special files are written as they are, never replaced', () => {
  it('a FIFO gets the output directly and stays a FIFO', async () => {
    const at = sub('fifo');
    const fifo = join(at, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const got: Buffer[] = [];
    reader.stdout.on('data', (d: Buffer) => got.push(d));
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    // A reader nobody writes to would wait forever.
    const timer = setTimeout(() => reader.kill(), 20_000);
    try {
      const res = await runCli(['process', ...HASH, '--in', input, '--out', fifo]);
      expect(res.code).toBe(0);
      await readerDone;
    } finally {
      clearTimeout(timer);
      reader.kill();
    }
    expect(Buffer.concat(got).equals(expected)).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(at)).toEqual(['out.fifo']);
  });

  it('a symbolic link is followed: the target gets the output, the link stays a link', async () => {
    const at = sub('link');
    mkdirSync(join(at, 'real'));
    writeFileSync(join(at, 'real', 'out.csv'), 'old\n');
    symlinkSync(join(at, 'real', 'out.csv'), join(at, 'out.csv'));
    symlinkSync(join(at, 'real', 'new.csv'), join(at, 'dangling.csv'));
    expect((await runCli(['process', ...HASH, '--in', input, '--out', join(at, 'out.csv')])).code).toBe(0);
    expect(lstatSync(join(at, 'out.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(at, 'real', 'out.csv')).equals(expected)).toBe(true);
    expect((await runCli(['process', ...HASH, '--in', input, '--out', join(at, 'dangling.csv')])).code).toBe(0);
    expect(lstatSync(join(at, 'dangling.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(at, 'real', 'new.csv')).equals(expected)).toBe(true);
    expect(readdirSync(join(at, 'real')).sort()).toEqual(['new.csv', 'out.csv']);
  });

  it('a character device (a null device made in the test directory) stays a device, for --out, --rejects and --report', async () => {
    const at = sub('dev');
    const nul = join(at, 'null');
    execFileSync('mknod', [nul, 'c', '1', '3']);
    const res = await runCli(['process', ...HASH, '--in', input, '--out', nul, '--rejects', nul, '--report', nul]);
    expect(res.code).toBe(0);
    expect(lstatSync(nul).isCharacterDevice()).toBe(true);
    expect(readdirSync(at)).toEqual(['null']);
  });

  it('--out /dev/fd/3 writes into the descriptor the CLI was given: a socket, a file, a shell pipe', async () => {
    const args = ['process', ...HASH, '--in', input, '--out', '/dev/fd/3'];
    const socket = watchCli(args, ['ignore', 'ignore', 'pipe', 'pipe']);
    const got: Buffer[] = [];
    (socket.child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => got.push(d));
    expect((await exitWithin(socket)).code).toBe(0);
    expect(Buffer.concat(got).equals(expected)).toBe(true);

    const at = sub('fd');
    const file = join(at, 'fd3.csv');
    const fd = openSync(file, 'w');
    try {
      expect((await exitWithin(watchCli(args, ['ignore', 'ignore', 'pipe', fd]))).code).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file).equals(expected)).toBe(true);

    const piped = join(at, 'piped.csv');
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
    const shell = spawn('sh', ['-c', `${quoted} 3>&1 1>/dev/null | cat > '${piped}'`], { stdio: 'ignore' });
    expect(await new Promise((resolve) => shell.on('close', resolve))).toBe(0);
    expect(readFileSync(piped).equals(expected)).toBe(true);
    expect(readdirSync(at).sort()).toEqual(['fd3.csv', 'piped.csv']);
  });

  it('--rejects on a link to /proc/self/fd/2 (as /dev/stderr is) writes into the stderr the CLI was given', async () => {
    const at = sub('stderr');
    const link = join(at, 'stderr');
    symlinkSync('/proc/self/fd/2', link);
    const errFile = join(at, 'captured.txt');
    const fd = openSync(errFile, 'w');
    try {
      const run = watchCli(['process', ...HASH, '--out', join(at, 'out.csv'), '--rejects', link], ['pipe', 'ignore', fd]);
      run.child.stdin!.end(SMALL);
      expect((await run.exit).code).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(errFile, 'utf8')).toBe('line,column,reason,record\n3,email,invalid_email,"2,nope"\n5,email,invalid_email,"4,also-not"\n');
  });
});

describe('a directory output', () => {
  it('takes the input file name, or --name; stdin into a directory needs --name', async () => {
    const at = sub('outdir');
    expect((await runCli(['process', ...HASH, '--in', input, '--out', at])).code).toBe(0);
    expect(readFileSync(join(at, 'aud.csv')).equals(expected)).toBe(true);
    expect((await runCli(['process', ...HASH, '--in', input, '--out', `${at}/`, '--name', 'x.csv'])).code).toBe(0);
    expect(readFileSync(join(at, 'x.csv')).equals(expected)).toBe(true);
    expect((await runCli(['process', ...HASH, '--out', `${at}/`, '--name', 'piped.csv'], { input: readFileSync(input) })).code).toBe(0);
    expect(readFileSync(join(at, 'piped.csv')).equals(expected)).toBe(true);

    const unnamed = await refusedBeforeReading(['--out', at]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/--out: .* is a directory and stdin has no file name: give --name/);
    const badName = await refusedBeforeReading(['--out', at, '--name', '../escape.csv']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/--name: "..\/escape.csv" is not a plain file name/);
    // The output written into the input's own directory under the input's name would be the input.
    const self = await refusedBeforeReading(['--in', input, '--out', dir]);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/--out and --in are the same file/);
    expect(readdirSync(at).sort()).toEqual(['aud.csv', 'piped.csv', 'x.csv']);
  });

  it('a path ending in / that is a file, or a --rejects that is a directory, is exit 2', async () => {
    const asDir = await refusedBeforeReading(['--in', input, '--out', `${input}/`]);
    expect(asDir.code).toBe(2);
    expect(asDir.stderr).toMatch(/--out: .* is not a directory/);
    const rejectsDir = await refusedBeforeReading(['--rejects', dir]);
    expect(rejectsDir.code).toBe(2);
    expect(rejectsDir.stderr).toMatch(/--rejects: .* is a directory: give a file path/);
  });
});

describe('targets are checked before the first byte is read', () => {
  for (const option of ['out', 'rejects', 'report']) {
    it(`--${option} in a missing directory: exit 2 naming the option, no output`, async () => {
      const res = await refusedBeforeReading([`--${option}`, join(dir, 'nonexist', 'f.csv')]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`^audience-pipe: --${option}: directory .*nonexist does not exist\n$`));
      expect(res.stdout.length).toBe(0);
    });
  }

  it('--out into a missing directory given with a trailing / is exit 2 too', async () => {
    const res = await refusedBeforeReading(['--out', join(dir, 'nonexist') + '/']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--out: directory .*nonexist does not exist/);
  });
});

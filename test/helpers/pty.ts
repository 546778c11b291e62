/**
 * Runs the built CLI on a real pseudo-terminal (util-linux `script`), as a person at a terminal
 * would, and turns what it drew into the screen's text (carriage returns and erase-line applied).
 */
import { spawn } from 'node:child_process';
import { CLI, ROOT } from './cli.js';

export interface PtyResult {
  code: number | null;
  /** Everything written to the terminal, escape sequences included. */
  raw: string;
}

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** `stdin`: a shell pipeline whose output is the CLI's stdin (a pipe); /dev/null without it. */
export function runInPty(args: string[], options: { env?: NodeJS.ProcessEnv; columns?: number; stdin?: string } = {}): Promise<PtyResult> {
  // stty sets the width the CLI sees; nothing waits for typing.
  const cli = `${quote(process.execPath)} ${quote(CLI)} ${args.map(quote).join(' ')}`;
  const command = `stty cols ${options.columns ?? 200} rows 50; ${options.stdin === undefined ? `exec ${cli} < /dev/null` : `${options.stdin} | ${cli}`}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, raw }));
  });
}

/** The lines left on the screen once `raw` has been drawn: `\r` returns, `ESC[K` erases to the end. */
export function screen(raw: string): string[] {
  const lines: string[] = [''];
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\r') col = 0;
    else if (c === '\n') {
      lines.push('');
      col = 0;
    } else if (c === '\x1b') {
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i));
      if (m === null) continue;
      if (m[2] === 'K') lines[lines.length - 1] = lines[lines.length - 1].slice(0, col);
      i += m[0].length - 1;
    } else {
      const line = lines[lines.length - 1].padEnd(col);
      lines[lines.length - 1] = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  return lines.map((l) => l.trimEnd()).filter((l, i, all) => l !== '' || i < all.length - 1);
}

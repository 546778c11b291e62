import { describe, expect, it } from 'vitest';
import type { AuthenticationType, ParsedKey } from 'ssh2';
import { authSequence } from '../src/transport/sftp/auth-sequence.js';
import type { SftpCredentials } from '../src/transport/sftp/credentials.js';

type Step = { type: string; username?: string; password?: string; key?: unknown; prompt?: (...args: never[]) => void } | false;

/** Drives the middleware as ssh2 does: one call per attempt, with the methods the server still offers. */
function attempts(creds: SftpCredentials, offered: ReadonlyArray<AuthenticationType[] | null>): Step[] {
  const next = authSequence('alice', creds);
  return offered.map((left) => {
    let step: Step | undefined;
    next(left, false, (m) => {
      step = m as unknown as Step;
    });
    return step as Step;
  });
}

const key = { type: 'ssh-ed25519' } as unknown as ParsedKey;

describe('SFTP login sequence', () => {
  it('tries the key first, then the password once, then gives up', () => {
    const steps = attempts({ privateKey: key, password: 'pw', method: 'key' }, [null, ['password', 'publickey'], ['password']]);
    expect(steps[0]).toMatchObject({ type: 'publickey', username: 'alice', key });
    expect(steps[1]).toMatchObject({ type: 'password', username: 'alice', password: 'pw' });
    expect(steps[2]).toBe(false);
  });

  it('without a key probes with none to learn the methods; password wins over keyboard-interactive, never both', () => {
    const steps = attempts({ password: 'pw', method: 'password' }, [null, ['password', 'keyboard-interactive'], ['keyboard-interactive']]);
    expect(steps[0]).toEqual({ type: 'none', username: 'alice' });
    expect(steps[1]).toMatchObject({ type: 'password', password: 'pw' });
    expect(steps[2]).toBe(false);
  });

  it('answers keyboard-interactive (PAM) hidden prompts with the password and visible ones with nothing', () => {
    const steps = attempts({ password: 'pw', method: 'password' }, [null, ['keyboard-interactive', 'publickey'], ['keyboard-interactive']]);
    const ki = steps[1] as { type: string; prompt: (n: string, i: string, l: string, p: Array<{ prompt: string; echo?: boolean }>, f: (a: string[]) => void) => void };
    expect(ki.type).toBe('keyboard-interactive');
    let answers: string[] = [];
    ki.prompt('', '', '', [{ prompt: 'Password: ', echo: false }, { prompt: 'Token name: ', echo: true }], (a) => {
      answers = a;
    });
    expect(answers).toEqual(['pw', '']);
    expect(steps[2]).toBe(false);
  });

  it('a key alone is tried once; a password the server takes no way of is never sent', () => {
    expect(attempts({ privateKey: key, method: 'key' }, [null, ['publickey']])).toEqual([expect.objectContaining({ type: 'publickey' }), false]);
    expect(attempts({ password: 'pw', method: 'password' }, [null, ['publickey']])).toEqual([{ type: 'none', username: 'alice' }, false]);
  });
});

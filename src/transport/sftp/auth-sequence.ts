import type {
  AuthenticationType, AuthHandlerMiddleware, KeyboardInteractiveAuthMethod, NoAuthMethod, PasswordAuthMethod, PublicKeyAuthMethod,
} from 'ssh2';
import type { SftpCredentials } from './credentials.js';

/**
 * The login sequence: the key first; then the password, by `password` where the server offers
 * it, else by `keyboard-interactive` (PAM servers), never both, so a wrong password counts
 * once against lockout policies. Without a key, a `none` probe first learns the methods.
 */
export function authSequence(username: string, creds: SftpCredentials): AuthHandlerMiddleware {
  let keyTried = creds.privateKey === undefined;
  let passwordTried = creds.password === undefined;
  return (authsLeft: AuthenticationType[] | null, _partial, next) => {
    if (!keyTried) {
      keyTried = true;
      next({ type: 'publickey', username, key: creds.privateKey } as PublicKeyAuthMethod);
      return;
    }
    const password = creds.password;
    if (!passwordTried && password !== undefined) {
      if (authsLeft === null || authsLeft === undefined) {
        next({ type: 'none', username } as NoAuthMethod);
        return;
      }
      passwordTried = true;
      if (authsLeft.includes('password')) {
        next({ type: 'password', username, password } as PasswordAuthMethod);
        return;
      }
      if (authsLeft.includes('keyboard-interactive')) {
        // Hidden prompts get the password; visible ones (never a secret) get nothing.
        next({
          type: 'keyboard-interactive',
          username,
          prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map((p) => (p.echo === true ? '' : password))),
        } as KeyboardInteractiveAuthMethod);
        return;
      }
    }
    next(false as unknown as AuthenticationType);
  };
}

import pino, { type Logger } from 'pino';

export type { Logger };

/** Secret-bearing keys pino censors in every logger the run uses. */
export const REDACT = {
  paths: ['key', 'aesKey', 'password', 'passphrase', 'privateKey', '*.key', '*.aesKey', '*.password', '*.passphrase', '*.privateKey'],
  censor: '[redacted]',
};

/**
 * Logs are pino NDJSON on stderr (fd 2): stdout carries data only. Secret-bearing keys are
 * redacted as a second line of defence; the first is never passing secrets to the logger.
 */
export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'audience-pipe',
      level,
      base: { pid: process.pid },
      redact: REDACT,
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything: for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

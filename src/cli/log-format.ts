/**
 * `--log-format json|pretty`: NDJSON lines for machines (the default off a terminal), one
 * readable line per event for a person (the default on one). Both go through the terminal, so a
 * log line never tears the progress line.
 */
import { ConfigError } from '../errors/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import type { Terminal } from './terminal.js';

export type LogFormat = 'json' | 'pretty';

export function resolveLogFormat(value: unknown, isTTY: boolean): LogFormat {
  if (value === undefined) return isTTY ? 'pretty' : 'json';
  if (value === 'json' || value === 'pretty') return value;
  throw new ConfigError(`--log-format: must be json or pretty, got '${String(value)}'`, 'log-format');
}

const LABELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };
/** pino's own fields and the ones every line repeats: not worth a person's attention. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'event', 'v']);

/** One NDJSON log line as a person reads it: `warning: message (key=value, ...)`. */
function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const label = LABELS[entry.level as number] ?? 'log';
  const fields = Object.entries(entry)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${label}: ${String(entry.msg ?? '')}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`;
}

/**
 * A logger writing through the terminal. In pretty format, info lines are shown only when the
 * log level was asked for (`chatty`): by default a person sees the progress, warnings, errors
 * and the summary, not every step.
 */
export function cliLogger(level: string, format: LogFormat, terminal: Terminal, chatty = false, skipEvents: readonly string[] = []): Logger {
  const skipped = (line: string): boolean => skipEvents.some((e) => line.includes(`"event":"${e}"`));
  return createLogger(level, {
    write: (line: string) => {
      if (skipped(line)) return;
      if (format === 'json') terminal.print(line);
      else if (chatty || !line.includes('"level":30,')) terminal.print(prettyLine(line));
    },
  });
}

/**
 * SIGHUP (a closed terminal or ssh session), SIGINT (Ctrl-C) and SIGTERM are handled alike while
 * a run is on: the first aborts the run, which removes its temporary files, publishes nothing
 * and reports ERR_INTERRUPTED; the CLI then exits 128 + the signal's number (src/cli/cli.ts).
 * A second signal does not wait for that: temporary files are removed at once and the signal
 * is raised again with its default action.
 */
import { InterruptedError } from '../errors/errors.js';
import { removeTrackedSync } from '../outputs/temp-files.js';

const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;

let received: NodeJS.Signals | undefined;

/** The signal that interrupted a run of this process, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}

export interface SignalWatch {
  readonly signal: AbortSignal;
  stop(): void;
}

export function watchSignals(): SignalWatch {
  const controller = new AbortController();
  const stop = (): void => {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  };
  function onSignal(sig: NodeJS.Signals): void {
    if (received !== undefined) {
      stop();
      removeTrackedSync();
      process.kill(process.pid, sig);
      return;
    }
    received = sig;
    controller.abort(new InterruptedError(sig));
  }
  for (const sig of SIGNALS) process.on(sig, onSignal);
  return { signal: controller.signal, stop };
}

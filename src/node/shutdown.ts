/**
 * Stopping on a signal, as bitcoind: the first SIGINT or SIGTERM stops the node gracefully (the
 * chain database is closed cleanly, the cookie removed); a second one, for a person who does not
 * want to wait, exits at once. Nothing is lost by that either: every chain write is one atomic
 * batch, so the next start finds the state of the last complete one.
 */
import type { Logger } from '../log.ts';

export interface SignalOptions {
  readonly log: Logger;
  /** The graceful stop. */
  readonly stop: () => Promise<void>;
  /** Ends the process (default process.exit). */
  readonly exit?: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

const SIGNAL_NUMBERS: Readonly<Partial<Record<NodeJS.Signals, number>>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** Installs the handlers; returns a function that removes them. */
export function stopOnSignals(options: SignalOptions): () => void {
  const { log } = options;
  const exit = options.exit ?? ((code: number): void => process.exit(code));
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      log.info({ signal }, `${signal}: stopping (send it again to exit at once)`);
      options.stop().then(
        () => exit(0),
        (err: unknown) => {
          log.error({ err }, 'the node did not stop cleanly');
          exit(1);
        },
      );
      return;
    }
    log.warn({ signal }, `${signal} again: exiting without waiting`);
    // The shell's convention for a process ended by a signal.
    exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}

import type { Warden } from '../app.js';
import type { Logger } from '../logger.js';

/** Stops the gateway on the first of `signals` (later ones are ignored), then exits: 0, or 1 after an unclean stop. */
export function stopOnSignals(warden: Warden, log: Logger, signals: NodeJS.Signals[]): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    warden.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, () => shutdown(signal));
}

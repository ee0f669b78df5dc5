import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/**
 * /metrics with WARDEN_WORKERS > 1: whichever worker takes the scrape asks the primary, which gathers
 * every serving worker's registry and answers with their sum (histograms and counters added, gauges
 * that read the shared store taken once), so a scrape sees the gateway, not one worker.
 */

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Worker → primary: a scrape to answer. */
interface ScrapeRequest {
  kind: 'warden:metrics-scrape';
  id: number;
}
/** Primary → worker: the gateway's metrics, or why there are none. */
interface ScrapeAnswer {
  kind: 'warden:metrics-scraped';
  id: number;
  text?: string;
  error?: string;
}
/** Primary → worker: send your own metrics. */
interface CollectRequest {
  kind: 'warden:metrics-collect';
  id: number;
}
/** Worker → primary: this worker's own metrics. */
interface CollectAnswer {
  kind: 'warden:metrics-collected';
  id: number;
  metrics?: MetricsJson;
  error?: string;
}

/** How long the primary waits for a worker's metrics; one that is late is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 3_000;
/** How long a worker waits for the primary's answer. */
const SCRAPE_TIMEOUT_MS = 5_000;

function isMessage<T extends { kind: string }>(message: unknown, kind: T['kind']): message is T {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === kind;
}

// ——— in a worker ———

let nextScrape = 0;

/** Answers the primary's requests for this worker's metrics from `registry`. */
export function answerPrimary(registry: Registry): void {
  process.on('message', (message: unknown) => {
    if (!isMessage<CollectRequest>(message, 'warden:metrics-collect')) return;
    const reply = (answer: Omit<CollectAnswer, 'kind' | 'id'>) => process.send?.({ kind: 'warden:metrics-collected', id: message.id, ...answer } satisfies CollectAnswer);
    registry.getMetricsAsJSON().then(
      (metrics) => reply({ metrics }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** The metrics of every worker together, gathered by the primary. */
export function askPrimary(): Promise<string> {
  const id = nextScrape++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('the primary process did not answer in time')), SCRAPE_TIMEOUT_MS);
    const onMessage = (message: unknown) => {
      if (!isMessage<ScrapeAnswer>(message, 'warden:metrics-scraped') || message.id !== id) return;
      finish(message.text === undefined ? new Error(message.error ?? 'no metrics') : undefined, message.text);
    };
    const finish = (error: Error | undefined, text?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (error) reject(error);
      else resolve(text ?? '');
    };
    process.on('message', onMessage);
    process.send?.({ kind: 'warden:metrics-scrape', id } satisfies ScrapeRequest);
  });
}

// ——— in the primary ———

/**
 * The primary's side: `onMessage` takes every message from a worker (others are ignored); a scrape
 * request is answered with the sum of the metrics of `serving()` workers.
 */
export function aggregateForWorkers(serving: () => Iterable<Worker>, log: Logger): { onMessage(worker: Worker, message: unknown): void } {
  let nextCollect = 0;
  const pending = new Map<number, (answer: CollectAnswer) => void>();

  const collect = (worker: Worker): Promise<MetricsJson | undefined> => {
    const id = nextCollect++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        log.warn({ worker: worker.id }, 'a worker did not send its metrics in time; the scrape leaves it out');
        resolve(undefined);
      }, COLLECT_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(answer.metrics);
      });
      worker.send({ kind: 'warden:metrics-collect', id } satisfies CollectRequest);
    });
  };

  const scrape = async (): Promise<string> => {
    const workers = [...serving()].filter((w) => w.isConnected());
    const all = (await Promise.all(workers.map(collect))).filter((m): m is MetricsJson => m !== undefined);
    return AggregatorRegistry.aggregate(all).metrics();
  };

  return {
    onMessage(worker, message) {
      if (isMessage<CollectAnswer>(message, 'warden:metrics-collected')) {
        pending.get(message.id)?.(message);
        return;
      }
      if (!isMessage<ScrapeRequest>(message, 'warden:metrics-scrape')) return;
      const reply = (answer: Omit<ScrapeAnswer, 'kind' | 'id'>) => {
        if (worker.isConnected()) worker.send({ kind: 'warden:metrics-scraped', id: message.id, ...answer } satisfies ScrapeAnswer);
      };
      scrape().then(
        (text) => reply({ text }),
        (error: unknown) => {
          log.error({ err: error }, 'could not gather the metrics of the workers');
          reply({ error: 'could not gather the metrics of the workers' });
        },
      );
    },
  };
}

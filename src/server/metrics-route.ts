import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import { addressBytes, isMappedIPv4 } from '../net/ip-address.js';
import { errorBody } from './graphql-endpoint.js';

/** The Prometheus text exposition format. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

export interface MetricsRouteOptions {
  /** WARDEN_METRICS_KEY: the Bearer token asked for; unset, loopback callers only. */
  key: string | undefined;
  scrape: () => Promise<string>;
  log: Logger;
}

/**
 * GET /metrics, Prometheus text. With a key set, only `Authorization: Bearer <key>` is answered (401
 * otherwise; compared in constant time), from any address. Without one, only a caller on this machine
 * (127.0.0.0/8, ::1) whose request no proxy forwarded is (403 otherwise): a proxy on the same machine
 * would make every caller look local.
 */
export function metricsRoute(options: MetricsRouteOptions): RequestHandler {
  const expected = options.key === undefined ? undefined : digest(options.key);
  return async (req, res) => {
    const requestId = res.locals.requestId as string | undefined;
    res.setHeader('cache-control', 'no-store');
    if (expected) {
      const presented = bearerOf(req.headers);
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        res.setHeader('www-authenticate', 'Bearer realm="warden-metrics"');
        res.status(401).json(errorBody('Send the metrics key (WARDEN_METRICS_KEY) as Authorization: Bearer <key>.', ErrorCode.UNAUTHENTICATED, requestId));
        return;
      }
    } else if (!isLoopback(req.socket.remoteAddress) || FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined)) {
      res
        .status(403)
        .json(errorBody('/metrics answers callers on this machine only. Set WARDEN_METRICS_KEY to scrape it from elsewhere with that key.', ErrorCode.FORBIDDEN, requestId));
      return;
    }
    try {
      const text = await options.scrape();
      res.status(200).setHeader('content-type', CONTENT_TYPE).send(text);
    } catch (error) {
      options.log.error({ err: error, requestId }, 'could not gather the metrics');
      res.status(503).json(errorBody('The metrics could not be gathered; try again.', ErrorCode.INTERNAL, requestId));
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/** 127.0.0.0/8 or ::1, written either way (::ffff:127.0.0.1); nothing that merely embeds a loopback address. */
export function isLoopback(address: string | undefined): boolean {
  const bytes = address === undefined ? undefined : addressBytes(address);
  if (!bytes) return false;
  if (isMappedIPv4(bytes)) return bytes[12] === 127;
  return bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

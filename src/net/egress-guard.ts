import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { decideAddress, decideHostName, normalizeHost, type EgressDecision, type EgressSettings } from './egress-policy.js';

/** Resolves a host name to every address it has (dns.lookup with all: true, by default). */
export type HostResolver = (hostname: string, family: number) => Promise<{ address: string; family: number }[]>;

const systemResolver: HostResolver = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** A connection the egress policy refused. `reason` completes "the … URL …" and never holds the host name. */
export class EgressDeniedError extends Error {
  readonly code = 'EGRESS_DENIED';
  constructor(readonly reason: string) {
    super(`refused by the egress policy: the destination ${reason}`);
    this.name = 'EgressDeniedError';
  }
}

/** The EgressDeniedError somewhere in an error's cause chain, if any. */
export function egressDenialOf(error: unknown): EgressDeniedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof EgressDeniedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface EgressGuardOptions {
  /** Only loopback and private addresses (air-gapped mode, for language models). */
  localOnly?: boolean;
  /** For tests: the resolver used when a URL is saved and when a socket connects. */
  resolve?: HostResolver;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The egress policy applied: when a URL is saved (checkUrl, which resolves its host) and when a
 * connection is made (the agents' `lookup` checks every address a name resolves to right before the
 * socket connects, so a name that resolved to a public address when saved and to a private one now —
 * DNS rebinding — is refused; a URL that names an address is checked before the request starts).
 * Redirects are never followed.
 */
export class EgressGuard {
  readonly #settings: EgressSettings;
  readonly #localOnly: boolean;
  readonly #resolve: HostResolver;
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;

  constructor(settings: EgressSettings, options: EgressGuardOptions = {}) {
    this.#settings = settings;
    this.#localOnly = options.localOnly ?? false;
    this.#resolve = options.resolve ?? systemResolver;
    this.httpAgent = new http.Agent({ lookup: this.lookup });
    this.httpsAgent = new https.Agent({ lookup: this.lookup });
  }

  /** Agents of their own for a client that destroys its agents when it is done (the S3 client does). */
  newAgents(): { httpAgent: http.Agent; httpsAgent: https.Agent } {
    return { httpAgent: new http.Agent({ lookup: this.lookup }), httpsAgent: new https.Agent({ lookup: this.lookup }) };
  }

  /** The same policy, local addresses only (air-gapped mode's language models). */
  localOnly(): EgressGuard {
    return new EgressGuard(this.#settings, { localOnly: true, resolve: this.#resolve });
  }

  /** The decision for one address reached through `hostName` (omit when the URL names the address). */
  decide(address: string, hostName?: string): EgressDecision {
    return decideAddress(this.#settings, address, hostName, { localOnly: this.#localOnly });
  }

  /**
   * At save time: throws BAD_USER_INPUT when `raw`'s host is, or resolves to, an address the policy
   * refuses. A name that does not resolve now is accepted: the check at connect time decides.
   * `what` names the URL in the message ("webhook URL", "S3 endpoint").
   */
  async checkUrl(raw: string, what: string, field: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `The ${what} is not a valid URL.`, { field });
    }
    const refuse = (reason: string) => new AppError(ErrorCode.BAD_USER_INPUT, `The ${what} ${reason}.`, { field, reason: 'egress policy' });
    const host = normalizeHost(url.hostname);
    if (isIP(host)) {
      const decision = this.decide(host);
      if (!decision.allowed) throw refuse(decision.reason);
      return;
    }
    const byName = decideHostName(this.#settings, host);
    if (byName && !byName.allowed) throw refuse(byName.reason);
    let addresses: { address: string }[];
    try {
      addresses = await this.#resolve(host, 0);
    } catch {
      return;
    }
    for (const { address } of addresses) {
      const decision = this.decide(address, host);
      if (!decision.allowed) throw refuse(decision.reason);
    }
  }

  /** Throws EgressDeniedError when a URL names a refused address, or a refused name, before anything connects. */
  preflight(url: URL): void {
    const host = normalizeHost(url.hostname);
    const decision = isIP(host) ? this.decide(host) : decideHostName(this.#settings, host);
    if (decision && !decision.allowed) throw new EgressDeniedError(decision.reason);
  }

  /** A `lookup` for net/http/https: resolves, then refuses if any address is one the policy refuses. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = typeof options.family === 'number' ? options.family : options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : 0;
    this.#resolve(hostname, family).then(
      (found) => {
        const addresses = family === 0 ? found : found.filter((a) => a.family === family);
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND`), { code: 'ENOTFOUND' }), '');
          return;
        }
        for (const { address } of addresses) {
          const decision = this.decide(address, hostname);
          if (!decision.allowed) {
            callback(new EgressDeniedError(decision.reason), '');
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  /**
   * A `fetch` over this guard's agents, for code that speaks fetch (the `openai` client, webhook
   * deliveries): redirects are never followed (a 3xx is returned as it is), and a refused
   * destination rejects as fetch does, with a TypeError whose cause is the EgressDeniedError.
   */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('the guarded fetch takes a URL, not a Request');
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) });
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    try {
      this.preflight(url);
    } catch (error) {
      throw new TypeError('fetch failed', { cause: error });
    }
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    const body = toBody(init.body);
    if (typeof body === 'string' || body instanceof Uint8Array) headers['content-length'] ??= String(Buffer.byteLength(body));
    const isHttps = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      const request = (isHttps ? https : http).request(url, { method: init.method ?? 'GET', headers, agent: isHttps ? this.httpsAgent : this.httpAgent });
      let settled = false;
      const onAbort = () => {
        const reason: unknown = signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
        request.destroy(reason instanceof Error ? reason : undefined);
        if (!settled) {
          settled = true;
          reject(reason);
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(new TypeError('fetch failed', { cause: error }));
      });
      request.on('response', (response) => {
        settled = true;
        response.once('close', () => signal?.removeEventListener('abort', onAbort));
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) responseHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
        const status = response.statusCode ?? 0;
        const noBody = status === 204 || status === 205 || status === 304 || init.method === 'HEAD';
        if (noBody) response.resume();
        const stream = noBody ? null : (Readable.toWeb(decoded(response)) as ReadableStream<Uint8Array>);
        try {
          resolve(new Response(stream, { status, statusText: response.statusMessage ?? '', headers: responseHeaders }));
        } catch (error) {
          response.destroy();
          reject(new TypeError('fetch failed', { cause: error }));
        }
      });
      if (body === undefined) request.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
      else {
        body.on('error', (error) => request.destroy(error));
        body.pipe(request);
      }
    });
  };

  /** Closes idle sockets. */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function toBody(body: RequestInit['body']): string | Uint8Array | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  throw new TypeError('the guarded fetch sends strings, bytes and streams only');
}

/** The body as fetch gives it: decompressed when the server compressed it. */
function decoded(response: http.IncomingMessage): Readable {
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) return response;
  response.on('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { documentTooLarge, type DocumentLimits } from '../../plugins/query-limits.js';
import { keyFromHeaders } from '../auth/api-key.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { notSignedIn } from '../auth/rules/rule-errors.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { INTERNAL_MESSAGE } from '../errors/format-error.js';
import { authFailureEvent } from '../events/auth-failure.js';
import type { AuditWriter } from '../events/audit-writer.js';
import type { Logger } from '../logger.js';
import type { GatewayTelemetry, RequestObservation } from '../telemetry/gateway-telemetry.js';
import type { AgentService } from '../services/agent.service.js';
import type { CatalogService } from '../services/catalog.service.js';
import type { RequestContext } from './context.js';
import { createLoaders, type Loaders } from './loaders.js';
import { BODY_REFUSALS } from './body-refusals.js';
import { BodyError, readJsonBody } from './read-json-body.js';
import { isHtml, setSecurityHeaders } from './security-headers.js';
import { wantsPage } from './web-pages.js';

export interface GraphQLEndpointOptions {
  apollo: ApolloServer<RequestContext>;
  authenticator: Authenticator;
  agents: AgentService;
  catalog: CatalogService;
  audit: AuditWriter;
  log: Logger;
  documentLimits: DocumentLimits;
  hsts: boolean;
  /** Answers a browser opening /graphql with the explorer page; undefined when the explorer is off. */
  explorerPage?: ((res: ServerResponse) => void) | undefined;
  /** Counts and traces each request; the operation plugin names it. */
  telemetry: Pick<GatewayTelemetry, 'graphqlRequest'>;
}

/** The largest request body taken at /graphql. */
export const MAX_BODY_BYTES = 1024 * 1024;

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The client's request id when it is a sane one, a fresh one otherwise. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * /graphql, served by Node's HTTP server straight into Apollo's own HTTP entry point: no router, no
 * middleware chain. It does what the chain did, in order: security headers and a request id on every
 * answer; a POST without a key refused (401) before its body is read; the body read as UTF-8 JSON of at
 * most 1 MB; then Apollo (CSRF prevention, content types, batching refused), whose context checks the key and the document's size before anything is
 * parsed.
 */
export function graphqlEndpoint(options: GraphQLEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { apollo, log } = options;

  const contextOf = async (
    req: IncomingMessage,
    requestId: string,
    presented: string | undefined,
    search: string,
    body: unknown,
    observation: RequestObservation,
  ): Promise<RequestContext> => {
    if (presented === undefined) {
      // Nothing in the schema answers a caller without a key (introspection included), so nothing is parsed for one.
      throw new GraphQLError(notSignedIn().message, { extensions: { code: ErrorCode.UNAUTHENTICATED, requestId, http: { status: 401 } } });
    }
    const principal = await options.authenticator.authenticate(presented).catch((error: unknown) => {
      throw keyRefusal(error, req, requestId, presented);
    });
    if (principal.kind === 'agent') observation.agentId = principal.agentId;
    const query = documentOf(search, body);
    const tooLarge = query === undefined ? undefined : documentTooLarge(query, options.documentLimits);
    if (tooLarge) {
      throw new GraphQLError(tooLarge.message, { extensions: { code: ErrorCode.BAD_USER_INPUT, requestId, http: { status: 400 } } });
    }
    return new HttpRequestContext(requestId, principal, options, observation);
  };

  const keyRefusal = (error: unknown, req: IncomingMessage, requestId: string, presented: string): GraphQLError => {
    if (error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED) {
      log.info({ requestId, remoteAddress: req.socket.remoteAddress }, 'refused an API key');
      options.audit.record(authFailureEvent({ requestId, presented, remoteAddress: req.socket.remoteAddress, transport: 'http' }));
      return new GraphQLError(error.message, { extensions: { code: error.code, requestId, http: { status: 401 } } });
    }
    if (error instanceof AppError && error.code === ErrorCode.STORE_UNAVAILABLE) {
      log.warn({ err: error, requestId }, 'could not check an API key: the store is unavailable');
      return new GraphQLError(error.message, { extensions: { ...error.details, code: error.code, requestId, http: { status: 503 } } });
    }
    log.error({ err: error, requestId }, 'request failed');
    return new GraphQLError(INTERNAL_MESSAGE, { extensions: { code: ErrorCode.INTERNAL, requestId, http: { status: 500 } } });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, requestId: string, observation: RequestObservation): Promise<void> => {
    const method = req.method ?? 'GET';
    if (options.explorerPage && wantsPage(req)) {
      req.resume();
      setSecurityHeaders(res, options, true);
      options.explorerPage(res);
      return;
    }
    const presented = keyFromHeaders({ authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] });
    if (method === 'POST' && presented === undefined) {
      // Nothing in the schema answers such a caller: what strangers send is not read, parsed or validated.
      req.resume();
      observation.outcome = ErrorCode.UNAUTHENTICATED;
      res.setHeader('www-authenticate', 'Bearer realm="warden"');
      sendJson(res, 401, errorBody(notSignedIn().message, ErrorCode.UNAUTHENTICATED, requestId));
      return;
    }
    let body: unknown;
    if (method === 'POST') {
      try {
        body = await readJsonBody(req, MAX_BODY_BYTES);
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        if (error.refusal === 'ABORTED') {
          observation.outcome = 'ABORTED';
          res.destroy();
          return;
        }
        observation.outcome = ErrorCode.BAD_USER_INPUT;
        const refusal = BODY_REFUSALS[error.refusal];
        // The rest of an oversized body is not worth reading: the connection ends with the answer.
        if (error.refusal === 'TOO_LARGE') res.setHeader('connection', 'close');
        sendJson(res, refusal.status, errorBody(refusal.message, ErrorCode.BAD_USER_INPUT, requestId));
        return;
      }
    } else {
      req.resume();
    }
    const headers = new HeaderMap();
    for (const name in req.headers) {
      const value = req.headers[name];
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const question = url.indexOf('?');
    const search = question < 0 ? '' : url.slice(question);
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: method.toUpperCase(), headers, search, body };
    const context = () =>
      contextOf(req, requestId, presented, search, body, observation).catch((error: unknown) => {
        // Refused before Apollo's plugins see the request: its outcome is said here.
        const code = (error as GraphQLError).extensions?.code;
        observation.outcome = typeof code === 'string' ? code : ErrorCode.INTERNAL;
        throw error;
      });
    const answer = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    if (isHtml(answer.headers.get('content-type'))) setSecurityHeaders(res, options, true);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(answer.body.string));
      res.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return (req, res) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    setSecurityHeaders(res, options);
    res.setHeader('x-request-id', requestId);
    options.telemetry.graphqlRequest(req.headers, (observation) => serve(req, res, requestId, observation)).catch((error: unknown) => {
      log.error({ err: error, requestId }, 'request failed before GraphQL');
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, errorBody(INTERNAL_MESSAGE, ErrorCode.INTERNAL, requestId));
    });
  };
}

/**
 * What resolvers get. The per-request loaders and the request's logger are made the first time something
 * asks for them (most requests, a query through the gate, never need the loaders). The getters live on
 * the prototype, so Apollo's copy of the context (an own-property copy) does not call them.
 */
class HttpRequestContext implements RequestContext {
  // Not #private: Apollo's copy is made with Object.create, which has no private slots.
  private madeLoaders: Loaders | undefined;
  private madeLog: Logger | undefined;

  constructor(
    readonly requestId: string,
    readonly principal: Principal,
    private readonly services: Pick<GraphQLEndpointOptions, 'agents' | 'catalog' | 'log'>,
    readonly observation: RequestObservation,
  ) {}

  get loaders(): Loaders {
    return (this.madeLoaders ??= createLoaders(this.services.agents, this.services.catalog));
  }

  get log(): Logger {
    const { principal, requestId } = this;
    return (this.madeLog ??= this.services.log.child({ requestId, ...(principal.kind === 'agent' ? { agentId: principal.agentId } : {}) }));
  }
}

/** The GraphQL document of a POST body or a GET query string (`search`, from its `?`), when there is one. */
function documentOf(search: string, body: unknown): string | undefined {
  const query = (body as { query?: unknown } | null | undefined)?.query;
  if (typeof query === 'string') return query;
  return search === '' ? undefined : (new URLSearchParams(search).get('query') ?? undefined);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

export function errorBody(message: string, code: ErrorCode, requestId: string | undefined) {
  return { errors: [{ message, extensions: { code, ...(requestId ? { requestId } : {}) } }] };
}

import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { keyFromHeaders } from '../auth/api-key.js';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { INTERNAL_MESSAGE } from '../errors/format-error.js';
import { authFailureEvent } from '../events/auth-failure.js';
import { BODY_REFUSALS, bodyParserRefusal } from '../server/body-refusals.js';
import type { McpServices } from './mcp-services.js';
import { errorResult } from './tool-result.js';

/** The MCP SDK loads on the first /mcp request, not at start: a gateway that never serves MCP never pays for it. */
let sdk: Promise<[typeof import('./tools.js'), typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js')]> | undefined;
const loadSdk = () => (sdk ??= Promise.all([import('./tools.js'), import('@modelcontextprotocol/sdk/server/streamableHttp.js')]));

/** JSON-RPC error codes the transport itself uses for requests it cannot take. */
const JSONRPC_PARSE_ERROR = -32700;
const JSONRPC_SERVER_ERROR = -32000;
const JSONRPC_UNAUTHENTICATED = -32001;
const JSONRPC_INTERNAL = -32603;

/** Host names that always mean this machine. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Which browsers' pages may reach /mcp, against DNS rebinding (a page on evil.example whose name is made to
 * point at this gateway): the Host header must be one of `hosts` (undefined: any), and an Origin header,
 * when there is one, must be in `origins` or be this gateway's own address under one of those hosts.
 * Clients that are not browsers send no Origin and are not affected.
 */
export interface OriginPolicy {
  /** Exact origins (`scheme://host[:port]`) allowed besides the gateway's own. */
  origins: readonly string[];
  /** Host names (no port; IPv6 in brackets), lower case; undefined when any Host is taken. */
  hosts: readonly string[] | undefined;
  /** Names the gateway's own origin may have (the same as `hosts` when those are known). */
  ownHosts: readonly string[];
}

/**
 * The policy from the settings: loopback names, HOST (unless a wildcard), WARDEN_PUBLIC_URL's host and
 * WARDEN_ALLOWED_HOSTS; WARDEN_PUBLIC_URL's origin is allowed as the gateway's own. With a wildcard HOST and neither of the two settings, the names the gateway is
 * reached by are unknown, so any Host is taken (the Origin is still checked).
 */
export function originPolicy(settings: { host: string; publicUrl: string | undefined; allowedOrigins: readonly string[]; allowedHosts: readonly string[] | undefined }): OriginPolicy {
  const bound = settings.host.toLowerCase();
  const boundName = WILDCARD_HOSTS.has(bound) ? undefined : bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound;
  const publicHost = settings.publicUrl ? new URL(settings.publicUrl).hostname.toLowerCase() : undefined;
  const known = [...new Set([...LOOPBACK_HOSTS, ...(boundName ? [boundName] : []), ...(publicHost ? [publicHost] : []), ...(settings.allowedHosts ?? [])])];
  const anyHost = boundName === undefined && publicHost === undefined && settings.allowedHosts === undefined;
  const origins = [...new Set([...settings.allowedOrigins, ...(settings.publicUrl ? [new URL(settings.publicUrl).origin] : [])])];
  return { origins, hosts: anyHost ? undefined : known, ownHosts: known };
}

/** Refuses (403, before the key is looked at) a request whose Host or Origin the policy does not allow. */
function checkOrigin(policy: OriginPolicy, log: McpServices['log']): RequestHandler {
  return (req, res, next) => {
    const requestId = res.locals.requestId as string | undefined;
    const refuse = (message: string, detail: Record<string, unknown>) => {
      log.info({ requestId, remoteAddress: req.socket.remoteAddress, ...detail }, 'refused an MCP request from a page or host not allowed');
      res.status(403).json(rpcError(JSONRPC_SERVER_ERROR, message, ErrorCode.FORBIDDEN, requestId));
    };
    const hostHeader = req.headers.host ?? '';
    const host = URL.canParse(`http://${hostHeader}`) ? new URL(`http://${hostHeader}`) : undefined;
    if (!host || (policy.hosts && !policy.hosts.includes(host.hostname))) {
      return refuse('Forbidden: this gateway does not answer MCP requests for that Host. An administrator can add the name to WARDEN_ALLOWED_HOSTS.', { host: hostHeader });
    }
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    const from = URL.canParse(origin) ? new URL(origin) : undefined;
    const ownOrigin = from !== undefined && from.host === host.host && policy.ownHosts.includes(from.hostname) && (from.protocol === 'http:' || from.protocol === 'https:');
    if (ownOrigin || (from !== undefined && policy.origins.includes(from.origin))) return next();
    return refuse('Forbidden: MCP requests from this web page\'s origin are not allowed. An administrator can add the origin to WARDEN_ALLOWED_ORIGINS.', { origin });
  };
}

export const NO_KEY_MESSAGE = 'This needs an API key. Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".';

/**
 * MCP over streamable HTTP, stateless: every POST is authenticated with the same API keys as GraphQL and
 * served by a fresh server and transport for that principal, so a revoked key fails on its next request
 * and nothing is kept between requests. There is no server-to-client stream (GET) and no session to end
 * (DELETE): both answer 405, which MCP clients take as "not offered". Requests from a web page or Host
 * the origin policy does not allow are refused with 403 before anything else.
 */
export function mcpRouter(services: McpServices, origins: OriginPolicy): Router {
  const router = express.Router();
  router.use(checkOrigin(origins, services.log));
  router.post('/', express.json({ limit: '1mb' }), async (req, res) => {
    const requestId = res.locals.requestId as string;
    const principal = await authenticate(services, req, res, requestId);
    if (!principal) return;
    try {
      const [{ askDatabaseAvailable, createMcpServer }, { StreamableHTTPServerTransport }] = await loadSdk();
      // Asked only when the request lists tools: a provider registered since shows at the next list.
      const server = await createMcpServer(services, async () => ({ principal, requestId }), { askDatabase: () => askDatabaseAvailable(services) });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      services.log.error({ err: error, requestId }, 'an MCP request failed');
      if (!res.headersSent) res.status(500).json(rpcError(JSONRPC_INTERNAL, INTERNAL_MESSAGE, ErrorCode.INTERNAL, requestId));
    }
  });
  router.all('/', (_req, res) => {
    res
      .status(405)
      .set('allow', 'POST')
      .json(rpcError(JSONRPC_SERVER_ERROR, 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST.', ErrorCode.BAD_USER_INPUT, res.locals.requestId as string));
  });
  router.use(bodyErrors);
  return router;
}

/** The principal behind the request's key; answers 401 (and records the refusal) when there is none. */
async function authenticate(services: McpServices, req: Request, res: Response, requestId: string): Promise<(Principal & { kind: 'agent' }) | undefined> {
  const presented = keyFromHeaders({ authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] });
  const refuse = (message: string) => {
    services.log.info({ requestId, remoteAddress: req.socket.remoteAddress }, 'refused an API key (MCP)');
    services.audit.record(authFailureEvent({ requestId, presented, remoteAddress: req.socket.remoteAddress, transport: 'http' }));
    const call = toolCallId(req.body);
    if (presented !== undefined && call !== undefined) {
      // A key that stopped working between calls (revoked, rotated, expired): the answer to the call, so the
      // client shows the model why, rather than a failed transport it cannot explain.
      res.status(200).json({ jsonrpc: '2.0', id: call, result: errorResult({ code: ErrorCode.UNAUTHENTICATED, message, requestId }) });
      return undefined;
    }
    res.status(401).set('www-authenticate', 'Bearer realm="warden"').json(rpcError(JSONRPC_UNAUTHENTICATED, message, ErrorCode.UNAUTHENTICATED, requestId));
    return undefined;
  };
  if (presented === undefined) return refuse(NO_KEY_MESSAGE);
  try {
    const principal = await services.authenticator.authenticate(presented);
    return principal.kind === 'agent' ? principal : refuse(NO_KEY_MESSAGE);
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED) return refuse(error.message);
    if (error instanceof AppError && error.code === ErrorCode.STORE_UNAVAILABLE) {
      services.log.warn({ err: error, requestId }, 'could not check an MCP key: the store is unavailable');
      const body = rpcError(JSONRPC_SERVER_ERROR, error.message, error.code, requestId);
      res.status(503).json({ ...body, error: { ...body.error, data: { ...error.details, ...body.error.data } } });
      return undefined;
    }
    services.log.error({ err: error, requestId }, 'an MCP request failed');
    res.status(500).json(rpcError(JSONRPC_INTERNAL, INTERNAL_MESSAGE, ErrorCode.INTERNAL, requestId));
    return undefined;
  }
}

/** The id of a body that is one JSON-RPC tools/call request, else undefined. */
function toolCallId(body: unknown): string | number | undefined {
  const message = body as { jsonrpc?: unknown; method?: unknown; id?: unknown } | null | undefined;
  if (message?.jsonrpc !== '2.0' || message.method !== 'tools/call') return undefined;
  return typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
}

function rpcError(rpcCode: number, message: string, code: ErrorCode, requestId: string | undefined) {
  return { jsonrpc: '2.0' as const, error: { code: rpcCode, message, data: { code, ...(requestId ? { requestId } : {}) } }, id: null };
}

/** A body that is not JSON (or too large) gets a JSON-RPC error, not the GraphQL-shaped one. */
const bodyErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const refusal = bodyParserRefusal(error);
  const requestId = res.locals.requestId as string | undefined;
  // Not JSON, or too large; other refusals (a charset, an encoding) go on to the gateway's own answer.
  if (refusal === 'NOT_JSON' || refusal === 'TOO_LARGE') {
    const { status, message } = BODY_REFUSALS[refusal];
    res.status(status).json(rpcError(refusal === 'NOT_JSON' ? JSONRPC_PARSE_ERROR : JSONRPC_SERVER_ERROR, message, ErrorCode.BAD_USER_INPUT, requestId));
  } else {
    next(error);
  }
};

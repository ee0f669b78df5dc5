import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { keyFromHeaders } from '../auth/api-key.js';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { INTERNAL_MESSAGE } from '../errors/format-error.js';
import { authFailureEvent } from '../events/auth-failure.js';
import type { McpServices } from './mcp-services.js';

/** The MCP SDK loads on the first /mcp request, not at start: a gateway that never serves MCP never pays for it. */
let sdk: Promise<[typeof import('./tools.js'), typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js')]> | undefined;
const loadSdk = () => (sdk ??= Promise.all([import('./tools.js'), import('@modelcontextprotocol/sdk/server/streamableHttp.js')]));

/** JSON-RPC error codes the transport itself uses for requests it cannot take. */
const JSONRPC_PARSE_ERROR = -32700;
const JSONRPC_SERVER_ERROR = -32000;
const JSONRPC_UNAUTHENTICATED = -32001;
const JSONRPC_INTERNAL = -32603;

export const NO_KEY_MESSAGE = 'This needs an API key. Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".';

/**
 * MCP over streamable HTTP, stateless: every POST is authenticated with the same API keys as GraphQL and
 * served by a fresh server and transport for that principal, so a revoked key fails on its next request
 * and nothing is kept between requests. There is no server-to-client stream (GET) and no session to end
 * (DELETE): both answer 405, which MCP clients take as "not offered".
 */
export function mcpRouter(services: McpServices): Router {
  const router = express.Router();
  router.post('/', express.json({ limit: '1mb' }), async (req, res) => {
    const requestId = res.locals.requestId as string;
    const principal = await authenticate(services, req, res, requestId);
    if (!principal) return;
    try {
      const [{ askDatabaseAvailable, createMcpServer }, { StreamableHTTPServerTransport }] = await loadSdk();
      // Asked only when the request lists tools: a provider registered since shows at the next list.
      const server = createMcpServer(services, async () => ({ principal, requestId }), { askDatabase: () => askDatabaseAvailable(services) });
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

function rpcError(rpcCode: number, message: string, code: ErrorCode, requestId: string | undefined) {
  return { jsonrpc: '2.0' as const, error: { code: rpcCode, message, data: { code, ...(requestId ? { requestId } : {}) } }, id: null };
}

/** A body that is not JSON (or too large) gets a JSON-RPC error, not the GraphQL-shaped one. */
const bodyErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const type = (error as { type?: unknown } | null)?.type;
  const requestId = res.locals.requestId as string | undefined;
  if (type === 'entity.parse.failed') {
    res.status(400).json(rpcError(JSONRPC_PARSE_ERROR, 'The request body is not valid JSON.', ErrorCode.BAD_USER_INPUT, requestId));
  } else if (type === 'entity.too.large') {
    res.status(413).json(rpcError(JSONRPC_SERVER_ERROR, 'The request body is larger than 1 MB.', ErrorCode.BAD_USER_INPUT, requestId));
  } else {
    next(error);
  }
};

import type { Readable, Writable } from 'node:stream';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';

/** JSON-RPC code for what the bridge itself answers. */
const JSONRPC_SERVER_ERROR = -32000;

/** The ids of the bridge's own requests to the gateway carry this prefix; no client's do. */
const OWN_ID = 'warden-mcp-bridge';

export interface BridgeSession {
  /** The /mcp endpoint messages go to. */
  endpoint: URL;
  /** Resolves when the client hangs up (stdin closes). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** The gateway's /mcp endpoint for WARDEN_URL: its address, or already the /mcp endpoint. */
export function mcpEndpoint(gatewayUrl: string): URL {
  const url = new URL(gatewayUrl);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '');
  url.pathname = path.endsWith('/mcp') ? path : `${path}/mcp`;
  url.search = '';
  url.hash = '';
  return url;
}

/** A JSON-RPC answer: a result or an error. */
type Answer = Extract<JSONRPCMessage, { result: unknown } | { error: unknown }>;

/**
 * `warden mcp` with WARDEN_URL set: MCP over stdio, carried to the running gateway's /mcp endpoint with the
 * agent's key. Two SDK transports and a pipe between them: what the client writes to stdin
 * (StdioServerTransport) goes to the gateway (StreamableHTTPClientTransport, the key as a Bearer token),
 * and what the gateway answers goes back to stdout. Nothing is opened in this process (no store, no
 * database), so it works with the gateway's embedded store and embedded databases, which serve one
 * process at a time, and every answer is the gateway's own: the same tools, grants, refusals and audit
 * as any MCP client over HTTP.
 *
 * The key is checked once before anything is served (refused → UNAUTHENTICATED thrown; no gateway
 * answering → DATABASE_UNAVAILABLE thrown) and by the gateway on every message after that.
 */
export async function bridgeMcpOverStdio(
  gatewayUrl: string,
  key: string,
  log: Logger,
  streams: { stdin?: Readable; stdout?: Writable; fetch?: typeof fetch } = {},
): Promise<BridgeSession> {
  const endpoint = mcpEndpoint(gatewayUrl);
  if (endpoint.protocol === 'http:' && !isLocalHost(endpoint.hostname)) {
    log.warn({ gateway: endpoint.origin }, 'the agent key travels unencrypted to a gateway on another machine; use https://');
  }
  const gateway = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: refusalsAsAnswers(streams.fetch ?? fetch),
  });
  const client = new StdioServerTransport(streams.stdin, streams.stdout);
  gateway.onerror = (error) => log.debug({ err: error }, 'a message to the gateway failed');
  client.onerror = (error) => log.debug({ err: error }, 'a message from the MCP client could not be read');

  /** The method of each client request carried to the gateway and not answered yet. */
  const pending = new Map<RequestId, string>();
  /** Requests the client cancelled: their answers, should they come, are not passed on. */
  const cancelled = new Set<RequestId>();
  /** The bridge's own requests, by id. */
  const own = new Map<RequestId, (answer: Answer) => void>();
  /** Every message still being carried, so input that ends (a pipe) still gets its answers. */
  const carrying = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    carrying.add(work);
    void work.finally(() => carrying.delete(work));
  };
  let ownIds = 0;
  /** The names of the tools the client was last given, once it has listed them. */
  let listed: string | undefined;

  const reply = (message: JSONRPCMessage) => client.send(message).catch((error: unknown) => log.debug({ err: error }, 'could not write to the MCP client'));

  /** A request of the bridge's own to the gateway; its answer, or the transport's error. */
  const askGateway = async (method: string): Promise<Answer> => {
    const id = `${OWN_ID}-${++ownIds}`;
    const answered = new Promise<Answer>((resolve) => own.set(id, resolve));
    try {
      await gateway.send({ jsonrpc: '2.0', id, method });
    } catch (error) {
      own.delete(id);
      throw error;
    }
    // A JSON answer is handed over before send() returns; none by then is none at all.
    if (own.delete(id)) throw new Error(`${endpoint.origin}${endpoint.pathname} did not answer ${method}`);
    return answered;
  };

  /**
   * The gateway decides the tool list at each tools/list (ask_database comes and goes with a language
   * model provider) and, being stateless, cannot say when it changes. So after each tool call the list is
   * asked again, and the client is told (notifications/tools/list_changed) when it differs from the one it
   * was last given, as `warden mcp` on its own does.
   */
  const recheckTools = async () => {
    if (listed === undefined) return;
    const answer = await askGateway('tools/list');
    const tools = 'result' in answer ? answer.result.tools : undefined;
    if (!Array.isArray(tools)) return;
    const now = toolNames(tools);
    if (now === listed) return;
    listed = now;
    await reply({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  };

  gateway.onmessage = (message) => {
    if (!('result' in message || 'error' in message) || message.id === undefined) {
      void reply(message);
      return;
    }
    const { id } = message;
    const mine = own.get(id);
    if (mine) {
      own.delete(id);
      mine(message);
      return;
    }
    const method = pending.get(id);
    pending.delete(id);
    if (cancelled.delete(id)) return;
    if ('result' in message && method === 'initialize') {
      const result = message.result as { protocolVersion?: unknown; capabilities?: { tools?: Record<string, unknown> } };
      // Later messages say which protocol version was agreed, as the SDK's client does.
      if (typeof result.protocolVersion === 'string') gateway.setProtocolVersion(result.protocolVersion);
      // The gateway, stateless, cannot tell of tool list changes; this bridge can and does (recheckTools).
      if (result.capabilities?.tools) result.capabilities.tools = { ...result.capabilities.tools, listChanged: true };
    }
    if ('result' in message && method === 'tools/list' && Array.isArray(message.result.tools)) listed = toolNames(message.result.tools);
    track(reply(message));
    // The call was answered; a failed check must not answer it a second time.
    if (method === 'tools/call') track(recheckTools().catch((error: unknown) => log.debug({ err: error }, 'could not ask the gateway for its tool list again')));
  };

  client.onmessage = (message) => {
    const request = 'method' in message && 'id' in message ? (message as JSONRPCRequest) : undefined;
    if (request) pending.set(request.id, request.method);
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId !== undefined && pending.has(requestId)) cancelled.add(requestId);
    }
    track(
      gateway.send(message).catch((error: unknown) => {
        if (!request || !pending.delete(request.id) || cancelled.delete(request.id)) return;
        const status = error instanceof StreamableHTTPError ? error.code : undefined;
        if (status === undefined) log.warn({ err: error, gateway: endpoint.origin }, 'could not reach the gateway');
        const text = status === undefined ? unreachable(endpoint, error) : `The gateway answered HTTP ${status}.`;
        return reply({ jsonrpc: '2.0', id: request.id, error: { code: JSONRPC_SERVER_ERROR, message: text } });
      }),
    );
  };

  await gateway.start();
  await check(endpoint, () => askGateway('ping'));

  const closed = new Promise<void>((resolve) => {
    client.onclose = () => {
      void gateway.close();
      resolve();
    };
  });
  await client.start();
  // Closing the client's side closes the gateway's (onclose above), ending what is still on its way.
  const close = () => client.close();
  (streams.stdin ?? process.stdin).once('end', () => {
    void settled(carrying).then(close);
  });
  return { endpoint, closed, close };
}

/** Resolves once every promise in the set, including those added meanwhile, has settled. */
async function settled(work: Set<Promise<unknown>>): Promise<void> {
  while (work.size > 0) await Promise.allSettled([...work]);
}

/**
 * The gateway refuses a message (a key revoked since, a body too large …) with an HTTP error status and a
 * JSON-RPC error body; the SDK's transport turns any such status into an exception without that body.
 * This fetch hands the gateway's JSON-RPC error on as the answer to the request it refuses, so the
 * client sees the gateway's code and words under its own request id.
 */
function refusalsAsAnswers(fetcher: typeof fetch): typeof fetch {
  return async (url, init) => {
    const response = await fetcher(url, init);
    if (response.ok || init?.method !== 'POST' || typeof init.body !== 'string') return response;
    const id = (JSON.parse(init.body) as { id?: unknown }).id;
    const error = ((await response
      .clone()
      .json()
      .catch(() => undefined)) as { error?: unknown } | undefined)?.error;
    if ((typeof id !== 'string' && typeof id !== 'number') || typeof error !== 'object' || error === null) return response;
    await response.body?.cancel();
    return new Response(JSON.stringify({ jsonrpc: '2.0', id, error }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

/** Whether the gateway answers and takes the key; throws UNAUTHENTICATED or DATABASE_UNAVAILABLE saying which. */
async function check(endpoint: URL, ping: () => Promise<Answer>): Promise<void> {
  const where = `${endpoint.origin}${endpoint.pathname}`;
  let answer: Answer;
  try {
    answer = await ping();
  } catch (error) {
    if (error instanceof StreamableHTTPError && error.code === 401) throw new AppError(ErrorCode.UNAUTHENTICATED, 'The gateway refused the key.');
    if (error instanceof StreamableHTTPError) {
      throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, `${where} answered HTTP ${error.code}; is WARDEN_URL the address of a Warden gateway?`, undefined, { cause: error });
    }
    throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, unreachable(endpoint, error), undefined, { cause: error });
  }
  if (!('error' in answer)) return;
  const { message, data } = answer.error as { message: string; data?: { code?: unknown } };
  if (data?.code === ErrorCode.UNAUTHENTICATED) throw new AppError(ErrorCode.UNAUTHENTICATED, message);
  throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, `${where} refused the bridge: ${message}`);
}

function unreachable(endpoint: URL, error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return `No Warden gateway answered at ${endpoint.origin}${typeof cause === 'string' ? ` (${cause})` : ''}. Is it running, and is WARDEN_URL its address?`;
}

function toolNames(tools: unknown[]): string {
  return tools
    .map((t) => String((t as { name?: unknown } | null)?.name))
    .sort()
    .join(',');
}

function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

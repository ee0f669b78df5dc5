import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';

/** JSON-RPC codes for what the bridge itself answers. */
const JSONRPC_SERVER_ERROR = -32000;

/** The id of the bridge's own check at start; no client request carries it. */
const CHECK_ID = 'warden-mcp-bridge-check';

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

/**
 * `warden mcp` with WARDEN_URL set: MCP over stdio, carried to the running gateway's /mcp endpoint with the
 * agent's key, one POST a message. Nothing is opened in this process (no store, no database), so it works
 * with the gateway's embedded store and embedded databases, which serve one process at a time, and every
 * answer is the gateway's own: the same tools, grants, refusals and audit as any MCP client over HTTP.
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
  const send = streams.fetch ?? fetch;
  if (endpoint.protocol === 'http:' && !isLocalHost(endpoint.hostname)) {
    log.warn({ gateway: endpoint.origin }, 'the agent key travels unencrypted to a gateway on another machine; use https://');
  }
  let protocolVersion: string | undefined;
  const post = (message: JSONRPCMessage, signal?: AbortSignal) =>
    send(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${key}`,
        ...(protocolVersion ? { 'mcp-protocol-version': protocolVersion } : {}),
      },
      body: JSON.stringify(message),
      signal,
    });

  await check(endpoint, () => post({ jsonrpc: '2.0', id: CHECK_ID, method: 'ping' }));

  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  /** Requests on their way, so a client's cancellation stops waiting for them. */
  const inFlight = new Map<string | number, AbortController>();
  /** Every message still being carried, so input that ends (a pipe) still gets its answers. */
  const pending = new Set<Promise<unknown>>();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  const reply = (message: JSONRPCMessage) => transport.send(message).catch((error: unknown) => log.debug({ err: error }, 'could not write to the MCP client'));

  const forward = async (message: JSONRPCMessage, signal: AbortSignal) => {
    const response = await post(message, signal);
    const id = 'id' in message && 'method' in message ? message.id : undefined;
    if (response.status === 202 || id === undefined) {
      await response.body?.cancel();
      return;
    }
    const text = await response.text();
    const answers = parseMessages(text);
    if (!response.ok || answers.length === 0) {
      // The gateway's own JSON-RPC error (401 for a key revoked since, 413, 500 …) goes back under the request's id.
      const error = (answers[0] as { error?: { code: number; message: string; data?: unknown } } | undefined)?.error ?? {
        code: JSONRPC_SERVER_ERROR,
        message: `The gateway answered HTTP ${response.status}.`,
      };
      await reply({ jsonrpc: '2.0', id, error });
      return;
    }
    const method = 'method' in message ? message.method : undefined;
    for (const answer of answers) {
      const result = (answer as { result?: { protocolVersion?: unknown; tools?: unknown; capabilities?: { tools?: Record<string, unknown> } } }).result;
      if (method === 'initialize' && typeof result?.protocolVersion === 'string') protocolVersion = result.protocolVersion;
      // The gateway, stateless, cannot tell of tool list changes; this bridge can and does (see recheckTools).
      if (method === 'initialize' && result?.capabilities?.tools) result.capabilities.tools = { ...result.capabilities.tools, listChanged: true };
      if (method === 'tools/list' && Array.isArray(result?.tools)) listed = toolNames(result.tools);
      await reply(answer);
    }
    // The call was answered; a failed check must not answer it a second time.
    if (method === 'tools/call') await recheckTools().catch((error: unknown) => log.debug({ err: error }, 'could not ask the gateway for its tool list again'));
  };

  /**
   * The gateway decides the tool list at each tools/list (ask_database comes and goes with a language
   * model provider) and, being stateless, cannot say when it changes. So after each tool call the list is
   * asked again, and the client is told (notifications/tools/list_changed) when it differs from the one it
   * was last given, as `warden mcp` on its own does.
   */
  let listed: string | undefined;
  let checks = 0;
  const recheckTools = async () => {
    if (listed === undefined) return;
    const response = await post({ jsonrpc: '2.0', id: `${CHECK_ID}-${++checks}`, method: 'tools/list' });
    const tools = (parseMessages(await response.text())[0] as { result?: { tools?: unknown } } | undefined)?.result?.tools;
    if (!response.ok || !Array.isArray(tools)) return;
    const now = toolNames(tools);
    if (now === listed) return;
    listed = now;
    await reply({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  };

  transport.onmessage = (message) => {
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: string | number } | undefined)?.requestId;
      if (requestId !== undefined) inFlight.get(requestId)?.abort();
    }
    const id = 'id' in message && 'method' in message ? message.id : undefined;
    const abort = new AbortController();
    if (id !== undefined) inFlight.set(id, abort);
    const carried = forward(message, abort.signal)
      .catch((error: unknown) => {
        if (id === undefined || abort.signal.aborted) return;
        log.warn({ err: error, gateway: endpoint.origin }, 'could not reach the gateway');
        return reply({ jsonrpc: '2.0', id, error: { code: JSONRPC_SERVER_ERROR, message: unreachable(endpoint, error) } });
      })
      .finally(() => {
        if (id !== undefined) inFlight.delete(id);
        pending.delete(carried);
      });
    pending.add(carried);
  };

  await transport.start();
  const stdin = streams.stdin ?? process.stdin;
  stdin.once('end', () => {
    void Promise.allSettled([...pending]).then(() => transport.close());
  });
  return {
    endpoint,
    closed,
    close: async () => {
      for (const abort of inFlight.values()) abort.abort();
      await transport.close();
    },
  };
}

/** Whether the gateway answers and takes the key; throws UNAUTHENTICATED or DATABASE_UNAVAILABLE saying which. */
async function check(endpoint: URL, ping: () => Promise<Response>): Promise<void> {
  let response: Response;
  try {
    response = await ping();
  } catch (error) {
    throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, unreachable(endpoint, error), undefined, { cause: error });
  }
  const text = await response.text().catch(() => '');
  if (response.status === 401) {
    const message = (parseMessages(text)[0] as { error?: { message?: string } } | undefined)?.error?.message;
    throw new AppError(ErrorCode.UNAUTHENTICATED, message ?? 'The gateway refused the key.');
  }
  if (!response.ok) {
    throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, `${endpoint.origin}${endpoint.pathname} answered HTTP ${response.status}; is WARDEN_URL the address of a Warden gateway?`);
  }
}

function unreachable(endpoint: URL, error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return `No Warden gateway answered at ${endpoint.origin}${typeof cause === 'string' ? ` (${cause})` : ''}. Is it running, and is WARDEN_URL its address?`;
}

/** The JSON-RPC messages in a JSON body (one or a batch), or in the data lines of an event stream. */
function parseMessages(text: string): JSONRPCMessage[] {
  const parse = (raw: string): JSONRPCMessage[] => {
    try {
      const value: unknown = JSON.parse(raw);
      return (Array.isArray(value) ? value : [value]).filter((m): m is JSONRPCMessage => typeof m === 'object' && m !== null && (m as { jsonrpc?: unknown }).jsonrpc === '2.0');
    } catch {
      return [];
    }
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parse(trimmed);
  return trimmed
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .flatMap((line) => parse(line.slice(5).trim()));
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

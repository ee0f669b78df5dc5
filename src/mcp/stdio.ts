import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { authFailureEvent } from '../events/auth-failure.js';
import type { Caller } from '../services/query.service.js';
import type { McpServices } from './mcp-services.js';
import { askDatabaseAvailable, createMcpServer } from './tools.js';

export const MISSING_KEY_MESSAGE = 'an agent API key is needed: set WARDEN_API_KEY to the key an admin issued (registerAgent or rotateAgentKey).';

export interface StdioSession {
  principal: Principal & { kind: 'agent' };
  /** Resolves when the client hangs up (stdin closes). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * MCP over stdio for one agent key: checked once before anything is served (refused → UNAUTHENTICATED
 * thrown, nothing served) and checked again against the store on every tool call. This process hears of
 * revocations made elsewhere only through the shared pubsub (Redis), so it forgets what it cached of the
 * agent (key and grants) before each check, and opens databases connected since: revoking the key or a
 * grant in any gateway ends access here on the next call, and a new database is there on the next call.
 */
export async function serveMcpOverStdio(
  services: McpServices,
  key: string | undefined,
  streams: { stdin?: Readable; stdout?: Writable } = {},
): Promise<StdioSession> {
  if (!key?.trim()) throw new AppError(ErrorCode.UNAUTHENTICATED, MISSING_KEY_MESSAGE);
  const presented = key.trim();
  const verified = await verifyFresh(services, presented, undefined, null);
  const callerOf = async (): Promise<Caller> => {
    const requestId = randomUUID();
    const { principal } = await verifyFresh(services, presented, verified.principal.agentId, requestId);
    return { principal, requestId };
  };
  // Asked once before serving, at each tools/list as over HTTP, and after each call, so a provider
  // registered (or removed) since the client listed is announced with notifications/tools/list_changed.
  const server = await createMcpServer(services, callerOf, { askDatabase: () => askDatabaseAvailable(services), notifyToolListChanges: true });
  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  // server.connect wraps onclose; stdin ending does not close the transport by itself.
  (streams.stdin ?? process.stdin).once('end', () => void server.close());
  return { principal: verified.principal, closed, close: () => server.close() };
}

async function verifyFresh(services: McpServices, presented: string, agentId: string | undefined, requestId: string | null) {
  if (agentId) {
    services.authenticator.forgetAgent(agentId);
    services.grants.forget(agentId);
    // Databases connected in the gateway since this process started are opened here too.
    await services.databases.openAll();
  }
  try {
    return await services.authenticator.verify(presented);
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED) {
      const event = authFailureEvent({ requestId, presented, remoteAddress: undefined, transport: 'http' });
      services.audit.record({ ...event, details: { ...event.details, transport: 'stdio' } });
    }
    throw error;
  }
}

import 'reflect-metadata';
import type { AnyDriverFactory } from '../plugins/drivers/driver.js';
import type { AddressInfo } from 'node:net';
import { createServer, mcpServices } from './app/create-server.js';
import { createServices } from './app/create-services.js';
import { Shutdown } from './app/shutdown.js';
import { wireInvalidation } from './app/wire-invalidation.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { McpServices } from './mcp/mcp-services.js';

export interface Warden {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql; empty when started without HTTP. */
  url: string;
  /** 0 when started without HTTP. */
  port: number;
  /** An admin key generated at this start (first start only), to show once. */
  generatedAdminKey: string | undefined;
  demoDatabaseId: string | undefined;
  /** Internal counters, for tests and diagnostics. */
  metrics: { catalogIntrospections(): number };
  /** Runs the schedules due at `at` (default now) at once, as the timer would; how many runs this replica made. */
  scheduler: { runDue(at?: Date): Promise<number> };
  /** What the MCP tools call: the same services as GraphQL (served at /mcp, and over stdio by `warden mcp`). */
  mcp: McpServices;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Serve HTTP (GraphQL, /mcp, WebSocket). `warden mcp` runs without: it speaks MCP over stdio only. Default true. */
  http?: boolean;
  /**
   * Make sure of the admin key (WARDEN_ADMIN_KEY, or one generated at first start) and load the demo
   * database. Default true; `warden mcp` leaves both to the gateway, whose settings it may not share.
   */
  bootstrap?: boolean;
  /** The clock schedules and export links go by (tests move it on); default the system clock. */
  clock?: () => Date;
  /** This process is one of WARDEN_WORKERS > 1: /metrics answers for all of them, gathered by the primary. */
  clusterWorker?: boolean;
  /** Engines beside the built-ins: third-party driver factories (docs/drivers.md), registered at start. */
  drivers?: readonly AnyDriverFactory[];
}

/**
 * The composition root: config → store → services (createServices) → server (createServer) →
 * invalidation between them and the other replicas (wireInvalidation) → listening.
 */
export async function startWarden(config: Config, log: Logger, options: StartOptions = {}): Promise<Warden> {
  const shutdown = new Shutdown(log);
  const http = options.http ?? true;
  // The address the server listens on, once it does; export links point to it unless WARDEN_PUBLIC_URL is set.
  let origin: string | undefined;
  try {
    const services = await createServices(
      config,
      log,
      {
        http,
        bootstrap: options.bootstrap ?? true,
        clock: options.clock ?? (() => new Date()),
        clusterWorker: options.clusterWorker ?? false,
        publicUrl: () => config.exports.publicUrl ?? origin ?? 'http://127.0.0.1',
        drivers: options.drivers ?? [],
      },
      shutdown,
    );
    const mcp = mcpServices(services, log);
    const server = http ? await createServer(config, log, services, mcp) : undefined;
    // The HTTP server stops first (added last): no new requests while the rest stops.
    if (server) shutdown.add(() => server.stop());
    wireInvalidation(services, log, server ? (agentId, keyIds, agentRevoked) => server.subscriptions.closeKeys(agentId, keyIds, agentRevoked) : undefined);
    await services.bus.ready();
    const { catalog, scheduler } = services;
    const warden = {
      generatedAdminKey: services.generatedAdminKey,
      demoDatabaseId: services.demoDatabaseId,
      metrics: { catalogIntrospections: () => catalog.introspections },
      scheduler,
      mcp,
      stop: () => shutdown.run(),
    };
    // Without a server, schedules are left to the gateway; `warden mcp` only answers its client.
    if (!server) return { ...warden, url: '', port: 0 };

    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    origin = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
    scheduler.start();
    shutdown.add(() => scheduler.stop());
    return { ...warden, url: `${origin}/graphql`, port };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}

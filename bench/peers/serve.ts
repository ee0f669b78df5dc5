/**
 * What the peer servers of bench/peers.ts share: the pool on the bench database, the query, and a
 * node:http server on 127.0.0.1 that says where it listens on stdout and shuts down cleanly on SIGTERM,
 * SIGINT, or when the bench that started it goes away (its stdin ends).
 */
import http from 'node:http';
import pg from 'pg';

export const POINT_SQL = 'select id, customer_id, status, total from orders where id = $1';
export const PAGE_SQL = 'select id, customer_id, status, total from orders order by id limit $1';

export interface OrderRow {
  id: number;
  customer_id: number;
  status: string;
  total: string;
}

/** PEER_DATABASE_URL, at most PEER_POOL_MAX connections, kept open between the bench's rounds. */
export function benchPool(): pg.Pool {
  const connectionString = process.env.PEER_DATABASE_URL;
  if (!connectionString) throw new Error('PEER_DATABASE_URL is not set');
  return new pg.Pool({ connectionString, max: Number(process.env.PEER_POOL_MAX ?? 10), idleTimeoutMillis: 600_000 });
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function serve(name: string, listener: http.RequestListener, close: () => Promise<void>): void {
  const server = http.createServer(listener);
  // The bench leaves each server idle while the others run: keep its sockets for the next turn.
  server.keepAliveTimeout = 120_000;
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    close()
      .catch((error: unknown) => console.error(`${name}: ${(error as Error).message}`))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdin.once('end', shutdown);
  process.stdin.resume();
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') console.log(`${name} listening on http://127.0.0.1:${address.port}`);
  });
}

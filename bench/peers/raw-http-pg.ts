/** The baseline of bench/peers.ts: node:http and a pg.Pool, no framework. POST {"id": n} or {"first": n}. */
import { benchPool, PAGE_SQL, POINT_SQL, readBody, serve, type OrderRow } from './serve.js';

const pool = benchPool();

serve(
  'raw-http-pg',
  (req, res) => {
    void (async () => {
      try {
        const body = JSON.parse(await readBody(req)) as { id?: number; first?: number };
        const reply =
          typeof body.id === 'number'
            ? { order: (await pool.query<OrderRow>(POINT_SQL, [body.id])).rows[0] ?? null }
            : { orders: (await pool.query<OrderRow>(PAGE_SQL, [body.first ?? 100])).rows };
        const json = JSON.stringify(reply);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
      }
    })();
  },
  () => pool.end(),
);

import type pg from 'pg';

/**
 * A PostgreSQL connection can die at any moment (server restart, `pg_terminate_backend`, a proxy gone).
 * `pg` reports it as an `error` event on the client, and an event nobody listens to crashes the process.
 * The pool listens on idle clients only; a client that is checked out but between statements (inside a
 * transaction, say) has no listener. Every client gets one here: the statement that uses it next fails
 * with the connection error, which is where the failure belongs, and the pool drops the dead client.
 */
export function containPoolErrors(pool: pg.Pool, onError: (error: Error) => void = () => undefined): pg.Pool {
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
  return pool;
}

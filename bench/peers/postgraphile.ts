/**
 * PostGraphile v4 (graphql 15) on node:http, over the public schema of the bench database, for
 * bench/peers.ts: queries orderById(id:) and allOrders(first:, orderBy:). Query log off, no GraphiQL, no
 * schema watching, no default mutations.
 */
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { benchPool, serve } from './serve.js';

// npm lays PostGraphile out with three copies of graphql (its own 15, a second 15 under the hoisted
// graphile-build-pg, and the gateway's 16 that the hoisted graphql-parse-resolve-info finds) and two of
// graphile-build; a schema built from more than one copy fails ("Cannot use GraphQLObjectType … from
// another module or realm"). Nothing else in this process uses graphql: every require of graphql or
// graphile-build goes to the copy under postgraphile/node_modules.
const own = join(dirname(createRequire(import.meta.url).resolve('postgraphile/package.json')), 'node_modules');
const modules = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = modules._resolveFilename;
modules._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  const redirected = /^(graphql|graphile-build)(\/|$)/.test(request) ? join(own, request) : request;
  return resolveFilename.call(this, redirected, ...rest);
};
const { postgraphile } = await import('postgraphile');

const pool = benchPool();
const middleware = postgraphile(pool, 'public', {
  disableDefaultMutations: true,
  disableQueryLog: true,
  graphiql: false,
  watchPg: false,
  retryOnInitFail: false,
  graphqlRoute: '/graphql',
});
// Introspect and build the schema now, not on the first request.
await middleware.getGraphQLSchema();

serve(
  'postgraphile',
  (req, res) => void middleware(req, res),
  async () => {
    await middleware.release();
    await pool.end();
  },
);

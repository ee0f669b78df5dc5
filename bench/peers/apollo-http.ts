/** Bare Apollo Server 5 on node:http, no express: the body goes straight to executeHTTPGraphQLRequest. For bench/peers.ts. */
import { ApolloServer, HeaderMap } from '@apollo/server';
import { resolvers, typeDefs } from './apollo-schema.js';
import { benchPool, readBody, serve } from './serve.js';

const pool = benchPool();
const apollo = new ApolloServer({ typeDefs, resolvers: resolvers(pool) });
await apollo.start();

serve(
  'apollo-http',
  (req, res) => {
    void (async () => {
      try {
        const text = await readBody(req);
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const search = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'POST', headers, search, body: text ? (JSON.parse(text) as unknown) : undefined },
          context: async () => ({}),
        });
        for (const [name, value] of response.headers) res.setHeader(name, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
        } else {
          for await (const chunk of response.body.asyncIterator) res.write(chunk);
          res.end();
        }
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
      }
    })();
  },
  async () => {
    await apollo.stop();
    await pool.end();
  },
);

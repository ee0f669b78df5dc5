/** Bare Apollo Server 5 on express 5 (@as-integrations/express5), for bench/peers.ts. */
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { resolvers, typeDefs } from './apollo-schema.js';
import { benchPool, serve } from './serve.js';

const pool = benchPool();
const apollo = new ApolloServer({ typeDefs, resolvers: resolvers(pool) });
await apollo.start();
const app = express();
app.use('/graphql', express.json(), expressMiddleware(apollo));

serve('apollo-express', app, async () => {
  await apollo.stop();
  await pool.end();
});

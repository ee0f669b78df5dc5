/** The one-type schema both bare Apollo Server peers of bench/peers.ts serve, resolved with one pg query. */
import type pg from 'pg';
import { PAGE_SQL, POINT_SQL, type OrderRow } from './serve.js';

export const typeDefs = `#graphql
  type Order {
    id: Int!
    customerId: Int!
    status: String!
    total: String!
  }
  type Query {
    order(id: Int!): Order
    orders(first: Int!): [Order!]!
  }
`;

const shape = (row: OrderRow) => ({ id: row.id, customerId: row.customer_id, status: row.status, total: row.total });

export function resolvers(pool: pg.Pool) {
  return {
    Query: {
      order: async (_: unknown, args: { id: number }) => {
        const row = (await pool.query<OrderRow>(POINT_SQL, [args.id])).rows[0];
        return row ? shape(row) : null;
      },
      orders: async (_: unknown, args: { first: number }) => (await pool.query<OrderRow>(PAGE_SQL, [args.first])).rows.map(shape),
    },
  };
}

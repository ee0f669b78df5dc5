import type { LinkableTerm } from '../nl/nl-types.js';
import type { Caller } from '../services/query.service.js';
import type { SemanticCatalogService } from '../services/semantic-catalog.service.js';

const link = (table: string, column?: string) => (column ? { schema: 'public', table, column } : { schema: 'public', table });

/**
 * The demo shop's semantic catalog, as an admin would curate it: the words people use for what the
 * tables hold ("revenue" is orders.total over paid orders, "buyers" are customers who ordered). Loaded
 * with the demo database at first start; bench/linking.ts measures the linker with these same terms.
 */
export const SHOP_TERMS: LinkableTerm[] = [
  {
    term: 'revenue',
    synonyms: ['sales', 'turnover', 'takings'],
    definition: 'Sum of orders.total over orders whose status is paid, shipped or delivered, in EUR.',
    links: [link('orders', 'total'), link('orders', 'status')],
    examples: [{ question: 'Revenue per month', sql: "select date_trunc('month', ordered_at) as month, sum(total) as revenue from orders where status in ('paid', 'shipped', 'delivered') group by 1 order by 1" }],
  },
  {
    term: 'buyer',
    synonyms: ['buyers', 'shopper', 'shoppers', 'client', 'clients', 'purchaser'],
    definition: 'A customer with at least one order.',
    links: [link('customers'), link('orders', 'customer_id')],
    examples: [
      {
        question: 'Top 10 customers by revenue',
        sql: "select c.id, c.full_name, sum(o.total) as revenue from customers c join orders o on o.customer_id = c.id where o.status in ('paid', 'shipped', 'delivered') group by c.id, c.full_name order by revenue desc limit 10",
      },
    ],
  },
  {
    term: 'sign-up',
    synonyms: ['signed up', 'sign up', 'signups', 'registered', 'joined'],
    definition: 'When a customer created their account: customers.created_at.',
    links: [link('customers', 'created_at')],
    examples: [],
  },
  {
    term: 'units sold',
    synonyms: ['bought', 'sold', 'purchased', 'best-selling', 'best selling'],
    definition: 'Sum of order_items.quantity; join orders for the date and the status.',
    links: [link('order_items', 'quantity'), link('order_items', 'product_id')],
    examples: [],
  },
  {
    term: 'margin',
    synonyms: ['profit', 'profit margin', 'markup'],
    definition: '(products.price - products.cost) / products.price.',
    links: [link('products', 'price'), link('products', 'cost')],
    examples: [],
  },
  {
    term: 'in stock',
    synonyms: ['stock', 'inventory', 'units on hand'],
    definition: 'products.stock is the units the shop holds now.',
    links: [link('products', 'stock')],
    examples: [],
  },
  {
    term: 'average order value',
    synonyms: ['aov', 'basket value'],
    definition: 'avg(orders.total) over paid, shipped and delivered orders.',
    links: [link('orders', 'total')],
    examples: [],
  },
  {
    term: 'one-star review',
    synonyms: ['star rating', 'stars'],
    definition: 'reviews.rating, from 1 to 5 stars.',
    links: [link('reviews', 'rating')],
    examples: [],
  },
];

/** Saves the shop's terms as the first admin (approved, versioned and audited like any admin's save). */
export async function seedShopTerms(catalog: Pick<SemanticCatalogService, 'save'>, admin: Caller, databaseId: string): Promise<void> {
  for (const term of SHOP_TERMS) await catalog.save(admin, { databaseId, ...term });
}

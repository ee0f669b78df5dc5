/**
 * Questions for bench/linking.ts, each with the tables an analyst would read to answer it (gold), and
 * the small semantic catalog the bench supplies. Written before the linker was tuned, from the schema
 * alone: plain questions, the business words people use (revenue, buyers, signed up), joins,
 * aggregates, dates, other departments' questions, and a few that name a copy on purpose.
 */
import type { LinkableTerm } from '../src/nl/nl-types.js';
import { SHOP_TERMS } from '../src/demo/shop-terms.js';

export interface BenchQuestion {
  question: string;
  gold: string[];
  /** Only in the noisy schema (other domains, copies). */
  noisyOnly?: boolean;
}

export const QUESTIONS: BenchQuestion[] = [
  // plain
  { question: 'How many orders were placed per status?', gold: ['orders'] },
  { question: 'List the 10 most expensive products with their price.', gold: ['products'] },
  { question: 'How many customers are there in each country?', gold: ['customers'] },
  { question: 'Which categories have the most active products?', gold: ['categories', 'products'] },
  { question: 'What is the average rating of the reviews written in 2025?', gold: ['reviews'] },
  { question: 'Show the order items of order 42 with quantity and unit price.', gold: ['order_items'] },
  // business words (the catalog knows them)
  { question: 'What was our revenue per month in 2025?', gold: ['orders'] },
  { question: 'Who are our top 10 buyers by total spend?', gold: ['customers', 'orders'] },
  { question: 'How many people signed up each month?', gold: ['customers'] },
  { question: 'Which products were bought most often last quarter?', gold: ['products', 'order_items', 'orders'] },
  { question: 'What is the profit margin of each product category?', gold: ['products', 'categories'] },
  { question: 'How many units are in stock per category?', gold: ['products', 'categories'] },
  { question: 'What is the average order value for enterprise customers?', gold: ['orders', 'customers'] },
  { question: 'Which shoppers from France left a one-star review?', gold: ['customers', 'reviews'] },
  // joins
  { question: 'Total quantity sold per product category', gold: ['order_items', 'products', 'categories'] },
  { question: 'Which customers ordered a product from the Laptops category?', gold: ['customers', 'orders', 'order_items', 'products', 'categories'] },
  { question: 'List customers who never placed an order.', gold: ['customers', 'orders'] },
  { question: 'For each product, how many reviews does it have and what is its average rating?', gold: ['products', 'reviews'] },
  { question: "Which orders were shipped to a different country than the customer's own country?", gold: ['orders', 'customers'] },
  // aggregates and dates
  { question: 'How many orders were cancelled or refunded in March 2025?', gold: ['orders'] },
  { question: 'What share of customers opted in to marketing emails, by segment?', gold: ['customers'] },
  { question: 'How long does it take on average between ordering and shipping, per shipping country?', gold: ['orders'] },
  { question: 'What is the total discount given on order lines per month?', gold: ['order_items', 'orders'] },
  { question: 'Which products have never been reviewed?', gold: ['products', 'reviews'] },
  { question: 'How many products were added to the catalogue each month?', gold: ['products'] },
  { question: 'What is the best-selling product in each category by revenue?', gold: ['order_items', 'products', 'categories', 'orders'] },
  { question: 'Average number of items per order', gold: ['order_items'] },
  { question: 'Which city has the most enterprise customers?', gold: ['customers'] },
  { question: "Show the reviews with the word 'broke' in the title together with the product name.", gold: ['reviews', 'products'] },
  { question: 'How many pending orders does each customer segment have?', gold: ['orders', 'customers'] },
  { question: 'What were the five largest orders in 2024 and who placed them?', gold: ['orders', 'customers'] },
  { question: 'How much did clients in Germany spend on phones?', gold: ['customers', 'orders', 'order_items', 'products', 'categories'] },
  // other departments
  { question: 'How many employees does each department have?', gold: ['employees', 'departments'], noisyOnly: true },
  { question: 'Which support tickets are still open, by priority?', gold: ['tickets'], noisyOnly: true },
  { question: 'What did we spend on ads per campaign last month?', gold: ['ad_spend', 'campaigns'], noisyOnly: true },
  { question: 'Which suppliers deliver products with a lead time over 30 days?', gold: ['suppliers', 'supplier_products'], noisyOnly: true },
  { question: 'Average customer satisfaction score per support team', gold: ['satisfaction_surveys', 'tickets', 'support_agents', 'support_teams'], noisyOnly: true },
  { question: 'How many newsletter subscribers unsubscribed in 2025?', gold: ['newsletter_subscribers'], noisyOnly: true },
  { question: 'Current stock per warehouse for product SKU-01-00001', gold: ['stock_levels', 'warehouses', 'products'], noisyOnly: true },
  // copies, named on purpose
  { question: 'How many customers are in the customers_backup table?', gold: ['customers_backup'], noisyOnly: true },
  { question: 'How many orders does the 2019 orders archive hold per status?', gold: ['orders_2019'], noisyOnly: true },
  { question: 'Which customers are in bak_customers but no longer in customers?', gold: ['bak_customers', 'customers'], noisyOnly: true },
];

const link = (table: string, column?: string) => (column ? { schema: 'public', table, column } : { schema: 'public', table });

/**
 * A small catalog, as an admin would curate it: the demo shop's own terms (loaded with the demo database
 * at first start) and a few of other departments, for the noisy schema.
 */
export const TERMS: LinkableTerm[] = [
  ...SHOP_TERMS,
  {
    term: 'headcount',
    synonyms: ['staff', 'employees'],
    definition: 'Active employees (employees.active).',
    links: [link('employees', 'active')],
    examples: [],
  },
  {
    term: 'CSAT',
    synonyms: ['customer satisfaction', 'satisfaction score'],
    definition: 'satisfaction_surveys.score, 1 to 5, answered after a ticket closed.',
    links: [link('satisfaction_surveys', 'score')],
    examples: [],
  },
  {
    term: 'ad spend',
    synonyms: ['spend on ads', 'advertising cost', 'marketing spend'],
    definition: 'ad_spend.spend per campaign and day.',
    links: [link('ad_spend', 'spend'), link('campaigns')],
    examples: [],
  },
];

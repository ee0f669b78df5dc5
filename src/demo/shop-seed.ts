
/**
 * The demo "shop" database: a small e-commerce schema with a few thousand rows that are the same on
 * every machine and every run (a seeded PRNG and a fixed calendar, never the clock).
 */

export const SHOP_SIZES = {
  categories: 12,
  customers: 1200,
  products: 240,
  orders: 4000,
  reviews: 1500,
} as const;

const SCHEMA = `
create table categories (
  id integer primary key,
  name text not null unique,
  description text not null
);
comment on table categories is 'Product categories shown in the storefront.';

create table customers (
  id integer primary key,
  email text not null unique,
  full_name text not null,
  country char(2) not null,
  city text not null,
  segment text not null check (segment in ('consumer', 'small_business', 'enterprise')),
  marketing_opt_in boolean not null,
  created_at timestamptz not null
);
comment on table customers is 'People and companies who have an account with the shop.';
comment on column customers.country is 'ISO 3166-1 alpha-2 country code.';
comment on column customers.segment is 'consumer, small_business or enterprise.';

create table products (
  id integer primary key,
  sku text not null unique,
  name text not null,
  category_id integer not null references categories(id),
  price numeric(10, 2) not null check (price > 0),
  cost numeric(10, 2) not null check (cost > 0),
  stock integer not null check (stock >= 0),
  active boolean not null,
  created_at timestamptz not null
);
comment on table products is 'Items for sale. price is what the customer pays, cost what the shop paid; both in EUR.';
create index products_category on products (category_id);

create table orders (
  id integer primary key,
  customer_id integer not null references customers(id),
  status text not null check (status in ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
  ordered_at timestamptz not null,
  shipped_at timestamptz,
  shipping_country char(2) not null,
  total numeric(12, 2) not null
);
comment on table orders is 'One checkout by a customer. total is the sum of its order_items, in EUR.';
create index orders_customer on orders (customer_id);
create index orders_ordered_at on orders (ordered_at);

create table order_items (
  id integer primary key,
  order_id integer not null references orders(id),
  product_id integer not null references products(id),
  quantity integer not null check (quantity > 0),
  unit_price numeric(10, 2) not null,
  discount numeric(4, 2) not null default 0 check (discount >= 0 and discount < 1)
);
comment on table order_items is 'Lines of an order: a product, how many, and the price paid per unit.';
comment on column order_items.discount is 'Fraction taken off unit_price, from 0 to 0.5.';
create index order_items_order on order_items (order_id);
create index order_items_product on order_items (product_id);

create table reviews (
  id integer primary key,
  product_id integer not null references products(id),
  customer_id integer not null references customers(id),
  rating smallint not null check (rating between 1 and 5),
  title text not null,
  created_at timestamptz not null
);
comment on table reviews is 'Star ratings customers gave products they bought.';
create index reviews_product on reviews (product_id);
`;

/** mulberry32: a tiny, fast PRNG; the same seed gives the same sequence everywhere. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    /** Picks with weights: `weighted([['a', 3], ['b', 1]])` returns 'a' three times as often. */
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let roll = next() * total;
      for (const [item, weight] of items) {
        roll -= weight;
        if (roll < 0) return item;
      }
      return (items.at(-1) as readonly [T, number])[0];
    },
  };
}

const FIRST_NAMES = ['Ada', 'Ben', 'Chiara', 'Dmitri', 'Elif', 'Farah', 'Gustav', 'Hana', 'Ivan', 'Jana', 'Kofi', 'Lea', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tomoko', 'Ugo', 'Vera', 'Wei', 'Ximena', 'Yusuf', 'Zoe'];
const LAST_NAMES = ['Andersen', 'Bauer', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hoffmann', 'Ito', 'Jensen', 'Kowalski', 'Laurent', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Umar', 'Varga', 'Weber', 'Yilmaz', 'Zimmermann'];
const PLACES: readonly (readonly [string, readonly string[], number])[] = [
  ['DE', ['Berlin', 'Hamburg', 'Munich', 'Cologne', 'Leipzig'], 24],
  ['FR', ['Paris', 'Lyon', 'Marseille', 'Lille', 'Nantes'], 18],
  ['GB', ['London', 'Manchester', 'Bristol', 'Leeds', 'Glasgow'], 16],
  ['NL', ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven'], 9],
  ['ES', ['Madrid', 'Barcelona', 'Valencia', 'Seville'], 10],
  ['IT', ['Milan', 'Rome', 'Turin', 'Bologna'], 10],
  ['SE', ['Stockholm', 'Gothenburg', 'Malmo'], 5],
  ['PL', ['Warsaw', 'Krakow', 'Gdansk', 'Wroclaw'], 8],
];
const CATEGORIES: readonly (readonly [string, string, readonly string[], number, number])[] = [
  ['Laptops', 'Portable computers', ['UltraBook', 'WorkStation', 'AirLite', 'ProBook'], 600, 2400],
  ['Phones', 'Smartphones and accessories', ['Pixel', 'Nova', 'Edge', 'Mini'], 150, 1200],
  ['Audio', 'Headphones and speakers', ['Studio Headphones', 'Buds', 'Soundbar', 'Speaker'], 25, 450],
  ['Monitors', 'Displays for work and play', ['27" 4K Monitor', '24" Office Monitor', '34" Ultrawide', 'Portable Display'], 120, 900],
  ['Keyboards', 'Mechanical and membrane keyboards', ['Mechanical Keyboard', 'Compact Keyboard', 'Ergo Keyboard', 'Wireless Keyboard'], 30, 220],
  ['Storage', 'Drives and memory cards', ['1TB SSD', '2TB SSD', '4TB HDD', '256GB Card'], 20, 320],
  ['Cameras', 'Photo and video', ['Mirrorless Camera', 'Action Camera', 'Webcam', 'Lens 35mm'], 40, 1800],
  ['Networking', 'Routers, switches and cables', ['Wi-Fi Router', 'Mesh Kit', '8-port Switch', 'Cat6 Cable'], 8, 380],
  ['Home Office', 'Desks, chairs and lamps', ['Standing Desk', 'Task Chair', 'Desk Lamp', 'Monitor Arm'], 25, 700],
  ['Gaming', 'Consoles and controllers', ['Console', 'Controller', 'Racing Wheel', 'Headset'], 35, 550],
  ['Wearables', 'Watches and trackers', ['Smartwatch', 'Fitness Band', 'Smart Ring', 'Sport Watch'], 45, 600],
  ['Software', 'Licences and subscriptions', ['Office Suite', 'Photo Editor', 'Antivirus', 'Backup Plan'], 10, 300],
];
const REVIEW_TITLES: Record<number, readonly string[]> = {
  1: ['Broke after a week', 'Not as described', 'Would not buy again'],
  2: ['Disappointing', 'Below expectations', 'Meh'],
  3: ['Does the job', 'Average', 'Fine for the price'],
  4: ['Very good', 'Happy with it', 'Solid choice'],
  5: ['Excellent', 'Love it', 'Best purchase this year'],
};

const DAY_MS = 86_400_000;
/** The shop's calendar: two years of trading that end on a fixed day. */
const OPENED = Date.UTC(2024, 0, 1);
const TRADING_DAYS = 730;

interface Row {
  [column: string]: string | number | boolean | null;
}

export interface ShopData {
  categories: Row[];
  customers: Row[];
  products: Row[];
  orders: Row[];
  order_items: Row[];
  reviews: Row[];
}

const money = (value: number): string => value.toFixed(2);
const at = (ms: number): string => new Date(ms).toISOString();

/** Builds every row of the demo. Pure: the same output on every call. */
export function generateShopData(seed = 20240101): ShopData {
  const random = createRandom(seed);

  const categories = CATEGORIES.map(([name, description], i) => ({ id: i + 1, name, description }));

  const customers: Row[] = [];
  for (let id = 1; id <= SHOP_SIZES.customers; id++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const [country, cities] = random.weighted(PLACES.map(([c, cs, w]) => [[c, cs] as const, w] as const));
    customers.push({
      id,
      email: `${first}.${last}.${id}@example.com`.toLowerCase(),
      full_name: `${first} ${last}`,
      country,
      city: random.pick(cities),
      segment: random.weighted([['consumer', 80], ['small_business', 15], ['enterprise', 5]] as const),
      marketing_opt_in: random.next() < 0.42,
      created_at: at(OPENED + Math.floor(random.next() * TRADING_DAYS * 0.9) * DAY_MS + random.int(0, DAY_MS - 1)),
    });
  }

  const products: Row[] = [];
  const prices: number[] = [0]; // in cents, by product id
  for (let id = 1; id <= SHOP_SIZES.products; id++) {
    const categoryIndex = (id - 1) % CATEGORIES.length;
    const [, , models, low, high] = CATEGORIES[categoryIndex] as (typeof CATEGORIES)[number];
    // Prices end in .99 and are kept in whole cents, so totals add up exactly.
    const priceCents = Math.round(low + random.next() ** 2 * (high - low)) * 100 - 1;
    const price = priceCents / 100;
    prices.push(priceCents);
    products.push({
      id,
      sku: `SKU-${String(categoryIndex + 1).padStart(2, '0')}-${String(id).padStart(5, '0')}`,
      name: `${random.pick(['Acme', 'Nordic', 'Vertex', 'Lumen', 'Orbit', 'Kestrel'])} ${random.pick(models)} ${random.pick(['S', 'X', 'Pro', 'Plus', 'Max', 'Lite', '2', '3'])}`,
      category_id: categoryIndex + 1,
      price: money(price),
      cost: money(price * (0.45 + random.next() * 0.3)),
      stock: random.weighted([[0, 1], [random.int(1, 20), 4], [random.int(21, 500), 10]] as const),
      active: random.next() > 0.05,
      created_at: at(OPENED + random.int(0, 120) * DAY_MS),
    });
  }

  const orders: Row[] = [];
  const orderItems: Row[] = [];
  for (let id = 1; id <= SHOP_SIZES.orders; id++) {
    const customer = customers[random.int(0, customers.length - 1)] as Row;
    const joined = Date.parse(customer.created_at as string);
    const orderedAt = joined + Math.floor(random.next() * (OPENED + TRADING_DAYS * DAY_MS - joined));
    const status = random.weighted([
      ['delivered', 62], ['shipped', 10], ['paid', 8], ['pending', 6], ['cancelled', 9], ['refunded', 5],
    ] as const);
    let totalCents = 0;
    const lines = random.weighted([[1, 40], [2, 30], [3, 18], [4, 8], [5, 4]] as const);
    for (let line = 0; line < lines; line++) {
      const productId = random.int(1, SHOP_SIZES.products);
      const quantity = random.weighted([[1, 75], [2, 17], [3, 6], [5, 2]] as const);
      const discount = random.weighted([[0, 80], [0.1, 12], [0.2, 6], [0.5, 2]] as const);
      const unitCents = prices[productId] as number;
      totalCents += Math.round(unitCents * quantity * (1 - discount));
      orderItems.push({
        id: orderItems.length + 1,
        order_id: id,
        product_id: productId,
        quantity,
        unit_price: money(unitCents / 100),
        discount: money(discount),
      });
    }
    const shipped = status === 'shipped' || status === 'delivered' || status === 'refunded';
    orders.push({
      id,
      customer_id: customer.id as number,
      status,
      ordered_at: at(orderedAt),
      shipped_at: shipped ? at(orderedAt + random.int(1, 5) * DAY_MS) : null,
      shipping_country: random.next() < 0.95 ? (customer.country as string) : random.pick(PLACES)[0],
      total: money(totalCents / 100),
    });
  }

  const reviews: Row[] = [];
  for (let id = 1; id <= SHOP_SIZES.reviews; id++) {
    const item = orderItems[random.int(0, orderItems.length - 1)] as Row;
    const order = orders[(item.order_id as number) - 1] as Row;
    const rating = random.weighted([[5, 42], [4, 30], [3, 14], [2, 7], [1, 7]] as const);
    reviews.push({
      id,
      product_id: item.product_id as number,
      customer_id: order.customer_id as number,
      rating,
      title: random.pick(REVIEW_TITLES[rating] as readonly string[]),
      created_at: at(Date.parse(order.ordered_at as string) + random.int(3, 40) * DAY_MS),
    });
  }

  return { categories, customers, products, orders, order_items: orderItems, reviews };
}

const INSERT_ORDER: readonly (keyof ShopData)[] = ['categories', 'customers', 'products', 'orders', 'order_items', 'reviews'];
const BATCH_ROWS = 500;

/** Creates the demo schema and loads its rows, in one transaction, unless it is already there. */
export interface SeedSession {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  transaction<T>(work: (tx: Pick<SeedSession, 'query'>) => Promise<T>): Promise<T>;
}

export async function seedShop(db: SeedSession): Promise<boolean> {
  const existing = await db.query<{ present: boolean }>(`select to_regclass('public.reviews') is not null as present`);
  if (existing.rows[0]?.present === true) return false;
  const data = generateShopData();
  await db.transaction(async (tx) => {
    for (const statement of SCHEMA.split(/;\n/).map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
    for (const table of INSERT_ORDER) {
      const rows = data[table];
      const columns = Object.keys(rows[0] as Row);
      for (let start = 0; start < rows.length; start += BATCH_ROWS) {
        const batch = rows.slice(start, start + BATCH_ROWS);
        const params: unknown[] = [];
        const tuples = batch.map((row) => {
          const placeholders = columns.map((column) => {
            params.push(row[column]);
            return `$${params.length}`;
          });
          return `(${placeholders.join(', ')})`;
        });
        await tx.query(`insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`, params);
      }
    }
  });
  return true;
}

/**
 * The schemas bench/linking.ts links questions against, as the linker receives them (LinkableTable):
 *
 * - SHOP: the demo shop (src/demo/shop-seed.ts), comments as seeded.
 * - NOISY: the shop among 300 distractors a real database of a mid-sized retailer holds: tables of the
 *   shop's own domain that share its names and columns (customer_notes, invoice_lines, sales_orders…),
 *   other domains (HR, finance, marketing, logistics, support, IT, analytics), and copies (bak_customers,
 *   tmp_orders, orders_2019, customers_backup…), some marked as such by a comment, some not.
 *
 * Sample values are what the ask service would read (the most frequent values of the first 50 rows of
 * each text column): from the seeded shop rows for shop tables, from a deterministic stand-in for others.
 */
import { generateShopData } from '../src/demo/shop-seed.js';
import { distinctSamples } from '../src/nl/link-samples.js';
import type { LinkableColumn, LinkableTable } from '../src/nl/nl-types.js';

const TYPES: Record<string, string> = {
  i: 'integer',
  bi: 'bigint',
  sm: 'smallint',
  t: 'text',
  ts: 'timestamptz',
  d: 'date',
  n: 'numeric(12,2)',
  n10: 'numeric(10,2)',
  p: 'numeric(4,2)',
  b: 'boolean',
  c2: 'char(2)',
  c3: 'char(3)',
  j: 'jsonb',
};

/**
 * A table from a compact spec: `"id i pk, customer_id i >customers, status t"`; `>x` references x.id.
 */
function table(name: string, comment: string | null, spec: string, columnComments: Record<string, string> = {}): LinkableTable {
  const columns: LinkableColumn[] = [];
  const primaryKey: string[] = [];
  const foreignKeys: LinkableTable['foreignKeys'] = [];
  for (const part of spec.split(/,\s*/)) {
    const [column = '', type = 't', ...flags] = part.trim().split(/\s+/);
    columns.push({ name: column, dataType: TYPES[type] ?? type, nullable: !flags.includes('pk'), comment: columnComments[column] ?? null });
    if (flags.includes('pk')) primaryKey.push(column);
    const reference = flags.find((f) => f.startsWith('>'));
    if (reference) foreignKeys.push({ columns: [column], referencedSchema: 'public', referencedTable: reference.slice(1), referencedColumns: ['id'] });
  }
  return { schema: 'public', name, comment, rowEstimate: null, columns, primaryKey, foreignKeys };
}

// ───────────── the demo shop ─────────────

export const SHOP: LinkableTable[] = [
  table('categories', 'Product categories shown in the storefront.', 'id i pk, name t, description t'),
  table(
    'customers',
    'People and companies who have an account with the shop.',
    'id i pk, email t, full_name t, country c2, city t, segment t, marketing_opt_in b, created_at ts',
    { country: 'ISO 3166-1 alpha-2 country code.', segment: 'consumer, small_business or enterprise.' },
  ),
  table(
    'products',
    'Items for sale. price is what the customer pays, cost what the shop paid; both in EUR.',
    'id i pk, sku t, name t, category_id i >categories, price n10, cost n10, stock i, active b, created_at ts',
  ),
  table(
    'orders',
    'One checkout by a customer. total is the sum of its order_items, in EUR.',
    'id i pk, customer_id i >customers, status t, ordered_at ts, shipped_at ts, shipping_country c2, total n',
  ),
  table(
    'order_items',
    'Lines of an order: a product, how many, and the price paid per unit.',
    'id i pk, order_id i >orders, product_id i >products, quantity i, unit_price n10, discount p',
    { discount: 'Fraction taken off unit_price, from 0 to 0.5.' },
  ),
  table('reviews', 'Star ratings customers gave products they bought.', 'id i pk, product_id i >products, customer_id i >customers, rating sm, title t, created_at ts'),
];

// ───────────── distractors: the shop's own domain ─────────────

const COMMERCE: LinkableTable[] = [
  table('customer_notes', 'Free-text notes staff keep about a customer.', 'id i pk, customer_id i >customers, author t, body t, created_at ts'),
  table('customer_addresses', 'Billing and delivery addresses of customers.', 'id i pk, customer_id i >customers, kind t, street t, city t, postcode t, country c2, is_default b'),
  table('customer_segments', "Marketing's definitions of customer segments.", 'id i pk, code t, description t, min_lifetime_value n, created_at ts'),
  table('customer_consents', 'What each customer agreed to be contacted about.', 'id i pk, customer_id i >customers, channel t, granted b, recorded_at ts'),
  table('customer_logins', null, 'id i pk, customer_id i >customers, logged_in_at ts, ip_country c2, device t'),
  table('order_events', 'Everything that happened to an order, as events.', 'id i pk, order_id i >orders, event t, occurred_at ts, actor t'),
  table('order_status_history', null, 'id i pk, order_id i >orders, from_status t, to_status t, changed_at ts'),
  table('order_returns', 'Items customers sent back.', 'id i pk, order_id i >orders, order_item_id i >order_items, reason t, requested_at ts, refunded_amount n, status t'),
  table('order_discounts', null, 'id i pk, order_id i >orders, coupon_id i >coupons, amount n'),
  table('invoices', 'Invoices issued for orders.', 'id i pk, order_id i >orders, customer_id i >customers, number t, issued_at ts, due_at ts, total n, currency c3, status t'),
  table('invoice_lines', null, 'id i pk, invoice_id i >invoices, product_id i >products, description t, quantity i, unit_price n, tax_rate p'),
  table('payments', 'Money received for orders, one row per attempt.', 'id i pk, order_id i >orders, invoice_id i >invoices, method t, amount n, paid_at ts, status t'),
  table('refunds', null, 'id i pk, payment_id i >payments, order_id i >orders, amount n, reason t, refunded_at ts'),
  table('shipments', 'Parcels sent to customers.', 'id i pk, order_id i >orders, carrier_id i >carriers, tracking_number t, shipped_at ts, delivered_at ts, status t, shipping_country c2'),
  table('shipment_items', null, 'id i pk, shipment_id i >shipments, order_item_id i >order_items, quantity i'),
  table('product_images', null, 'id i pk, product_id i >products, url t, alt_text t, position i'),
  table('product_prices', 'Price history of products.', 'id i pk, product_id i >products, price n, valid_from ts, valid_to ts'),
  table('product_tags', null, 'id i pk, product_id i >products, tag t'),
  table('product_variants', 'Sizes and colours of a product.', 'id i pk, product_id i >products, sku t, size t, color t, stock i'),
  table('product_bundles', null, 'id i pk, name t, price n, active b'),
  table('bundle_items', null, 'id i pk, bundle_id i >product_bundles, product_id i >products, quantity i'),
  table('category_translations', null, 'id i pk, category_id i >categories, locale t, name t, description t'),
  table('review_votes', 'Whether other customers found a review helpful.', 'id i pk, review_id i >reviews, customer_id i >customers, helpful b, voted_at ts'),
  table('review_reports', null, 'id i pk, review_id i >reviews, reason t, reported_at ts'),
  table('carts', 'Shopping carts, open or abandoned.', 'id i pk, customer_id i >customers, status t, created_at ts, updated_at ts'),
  table('cart_items', null, 'id i pk, cart_id i >carts, product_id i >products, quantity i, added_at ts'),
  table('wishlists', null, 'id i pk, customer_id i >customers, product_id i >products, added_at ts'),
  table('coupons', null, 'id i pk, code t, discount_percent p, valid_from ts, valid_to ts, max_uses i'),
  table('coupon_redemptions', null, 'id i pk, coupon_id i >coupons, order_id i >orders, customer_id i >customers, redeemed_at ts'),
  table('gift_cards', null, 'id i pk, code t, balance n, customer_id i >customers, issued_at ts, expires_at ts'),
  table('loyalty_accounts', null, 'id i pk, customer_id i >customers, points i, tier t'),
  table('loyalty_transactions', null, 'id i pk, loyalty_account_id i >loyalty_accounts, order_id i >orders, points i, reason t, created_at ts'),
  table('stores', 'Physical shops.', 'id i pk, name t, city t, country c2, opened_at d'),
  table('store_sales', 'Sales at the tills of physical shops.', 'id i pk, store_id i >stores, product_id i >products, sold_at ts, quantity i, amount n'),
  table('marketplace_sellers', null, 'id i pk, name t, country c2, rating p, joined_at ts'),
  table('marketplace_listings', null, 'id i pk, seller_id i >marketplace_sellers, product_id i >products, price n, stock i, active b'),
  table('price_alerts', null, 'id i pk, customer_id i >customers, product_id i >products, target_price n, created_at ts'),
  table('search_queries', null, 'id i pk, customer_id i >customers, query t, searched_at ts, results i'),
  table('recommendations', null, 'id i pk, customer_id i >customers, product_id i >products, score p, generated_at ts'),
  table('subscriptions', 'Paid memberships.', 'id i pk, customer_id i >customers, plan t, status t, started_at ts, cancelled_at ts, monthly_fee n'),
  table('subscription_invoices', null, 'id i pk, subscription_id i >subscriptions, amount n, issued_at ts, paid b'),
  table('crm_accounts', 'Business accounts handled by the sales team.', 'id i pk, name t, industry t, country c2, owner_id i >employees, created_at ts'),
  table('sales_orders', 'B2B orders booked by the sales team in the ERP.', 'id i pk, account_id i >crm_accounts, order_date d, amount n, status t, region t'),
  table('sales_order_lines', null, 'id i pk, sales_order_id i >sales_orders, product_id i >products, quantity i, unit_price n'),
  table('purchase_orders', 'What we order from suppliers.', 'id i pk, supplier_id i >suppliers, ordered_at ts, status t, total n'),
  table('purchase_order_lines', null, 'id i pk, purchase_order_id i >purchase_orders, product_id i >products, quantity i, unit_cost n'),
  table('web_sessions', null, 'id i pk, customer_id i >customers, started_at ts, landing_page t, utm_source t'),
];

// ───────────── distractors: other domains ─────────────

const HR: LinkableTable[] = [
  table('employees', 'Everyone on the payroll.', 'id i pk, full_name t, email t, department_id i >departments, position_id i >job_positions, manager_id i >employees, hired_at d, country c2, city t, active b'),
  table('departments', null, 'id i pk, name t, cost_center_id i >cost_centers, head_id i'),
  table('job_positions', null, 'id i pk, title t, grade t, department_id i >departments'),
  table('salaries', null, 'id i pk, employee_id i >employees, amount n, currency c3, effective_from d'),
  table('payroll_runs', null, 'id i pk, period t, run_at ts, status t, total n'),
  table('payslips', null, 'id i pk, payroll_run_id i >payroll_runs, employee_id i >employees, gross n, net n, tax n'),
  table('leave_requests', null, 'id i pk, employee_id i >employees, kind t, starts_on d, ends_on d, status t, created_at ts'),
  table('leave_balances', null, 'id i pk, employee_id i >employees, year i, days_left p'),
  table('attendance', null, 'id i pk, employee_id i >employees, day d, checked_in_at ts, checked_out_at ts'),
  table('performance_reviews', 'Yearly reviews of employees by their managers.', 'id i pk, employee_id i >employees, reviewer_id i >employees, rating sm, period t, created_at ts'),
  table('trainings', null, 'id i pk, title t, provider t, cost n, starts_on d'),
  table('training_enrollments', null, 'id i pk, training_id i >trainings, employee_id i >employees, status t, completed_at ts'),
  table('candidates', 'People who applied for a job.', 'id i pk, full_name t, email t, source t, status t, created_at ts, country c2'),
  table('job_openings', null, 'id i pk, position_id i >job_positions, opened_at d, closed_at d, status t'),
  table('interviews', null, 'id i pk, candidate_id i >candidates, opening_id i >job_openings, interviewer_id i >employees, scheduled_at ts, rating sm'),
  table('offers', null, 'id i pk, candidate_id i >candidates, salary n, status t, sent_at ts'),
  table('benefits', null, 'id i pk, name t, monthly_cost n'),
  table('employee_benefits', null, 'id i pk, employee_id i >employees, benefit_id i >benefits, since d'),
  table('timesheets', null, 'id i pk, employee_id i >employees, week t, hours p, project t'),
  table('expense_claims', null, 'id i pk, employee_id i >employees, amount n, category t, submitted_at ts, status t'),
  table('onboarding_tasks', null, 'id i pk, employee_id i >employees, task t, done b, due_on d'),
  table('contractors', null, 'id i pk, full_name t, email t, company t, day_rate n, country c2'),
];

const FINANCE: LinkableTable[] = [
  table('ledger_accounts', 'The chart of accounts.', 'id i pk, code t, name t, kind t'),
  table('journal_entries', null, 'id i pk, posted_at ts, description t, period_id i >fiscal_periods, status t'),
  table('journal_lines', null, 'id i pk, journal_entry_id i >journal_entries, account_id i >ledger_accounts, debit n, credit n'),
  table('ledger_entries', 'Posted amounts per account and day.', 'id i pk, account_id i >ledger_accounts, day d, amount n, currency c3'),
  table('fiscal_periods', null, 'id i pk, name t, starts_on d, ends_on d, closed b'),
  table('budgets', null, 'id i pk, year i, department_id i >departments, amount n'),
  table('budget_lines', null, 'id i pk, budget_id i >budgets, account_id i >ledger_accounts, month i, amount n'),
  table('cost_centers', null, 'id i pk, code t, name t, owner_id i'),
  table('expenses', 'Company spending, one row per receipt.', 'id i pk, cost_center_id i >cost_centers, vendor_id i >vendors, amount n, currency c3, spent_at ts, category t'),
  table('vendors', null, 'id i pk, name t, country c2, email t, payment_terms t'),
  table('vendor_bills', null, 'id i pk, vendor_id i >vendors, number t, issued_at ts, due_at ts, total n, status t'),
  table('vendor_payments', null, 'id i pk, vendor_bill_id i >vendor_bills, amount n, paid_at ts, method t'),
  table('tax_rates', null, 'id i pk, country c2, category t, rate p, valid_from d'),
  table('currencies', null, 'id i pk, code c3, name t, symbol t'),
  table('exchange_rates', null, 'id i pk, currency c3, day d, rate_to_eur n'),
  table('bank_accounts', null, 'id i pk, name t, iban t, currency c3'),
  table('bank_transactions', null, 'id i pk, bank_account_id i >bank_accounts, booked_at ts, amount n, counterparty t, reference t'),
  table('kpi_revenue_daily', "Finance's booked revenue per day across all channels, including marketplace fees and B2B.", 'id i pk, day d, channel t, revenue n, currency c3'),
  table('fixed_assets', null, 'id i pk, name t, bought_on d, cost n, useful_life_years i'),
  table('depreciation_schedules', null, 'id i pk, asset_id i >fixed_assets, month d, amount n'),
  table('credit_notes', null, 'id i pk, invoice_id i >invoices, amount n, reason t, issued_at ts'),
  table('receivables_aging', null, 'id i pk, customer_id i >customers, bucket t, amount n, as_of d'),
  table('cash_forecasts', null, 'id i pk, week d, inflow n, outflow n'),
];

const MARKETING: LinkableTable[] = [
  table('campaigns', 'Marketing campaigns.', 'id i pk, name t, channel t, starts_on d, ends_on d, budget n, status t'),
  table('ad_groups', null, 'id i pk, campaign_id i >campaigns, name t, bid n'),
  table('ad_spend', 'Daily cost, clicks and impressions of each campaign.', 'id i pk, campaign_id i >campaigns, day d, spend n, clicks i, impressions i'),
  table('email_campaigns', null, 'id i pk, subject t, sent_at ts, audience t'),
  table('email_sends', null, 'id i pk, email_campaign_id i >email_campaigns, customer_id i >customers, sent_at ts, opened_at ts, clicked_at ts'),
  table('newsletter_subscribers', 'Addresses signed up for the newsletter.', 'id i pk, email t, subscribed_at ts, unsubscribed_at ts, country c2, source t'),
  table('leads', 'Prospects from forms and fairs.', 'id i pk, email t, full_name t, company t, source t, status t, created_at ts'),
  table('lead_scores', null, 'id i pk, lead_id i >leads, score i, scored_at ts'),
  table('landing_pages', null, 'id i pk, url t, campaign_id i >campaigns, visits i, conversions i'),
  table('utm_sources', null, 'id i pk, source t, medium t, campaign t'),
  table('attribution_touches', null, 'id i pk, customer_id i >customers, order_id i >orders, channel t, touched_at ts, weight p'),
  table('promotions', null, 'id i pk, name t, discount_percent p, starts_on d, ends_on d'),
  table('promotion_products', null, 'id i pk, promotion_id i >promotions, product_id i >products'),
  table('affiliates', null, 'id i pk, name t, email t, commission_rate p, country c2'),
  table('affiliate_payouts', null, 'id i pk, affiliate_id i >affiliates, amount n, paid_at ts'),
  table('social_posts', null, 'id i pk, network t, posted_at ts, likes i, shares i, text t'),
  table('influencers', null, 'id i pk, name t, network t, followers i, fee n'),
  table('surveys', null, 'id i pk, title t, sent_at ts, audience t'),
  table('survey_responses', null, 'id i pk, survey_id i >surveys, customer_id i >customers, score sm, answer t, answered_at ts'),
  table('segments', 'Audiences for campaigns, defined by a rule.', 'id i pk, name t, rule t, created_at ts'),
  table('segment_members', null, 'id i pk, segment_id i >segments, customer_id i >customers, added_at ts'),
];

const LOGISTICS: LinkableTable[] = [
  table('warehouses', null, 'id i pk, name t, city t, country c2, capacity i'),
  table('warehouse_locations', null, 'id i pk, warehouse_id i >warehouses, aisle t, shelf t'),
  table('stock_levels', 'Units on hand per product and warehouse, updated hourly.', 'id i pk, product_id i >products, warehouse_id i >warehouses, quantity i, updated_at ts'),
  table('stock_movements', null, 'id i pk, product_id i >products, warehouse_id i >warehouses, quantity i, reason t, moved_at ts'),
  table('suppliers', 'Companies we buy products from.', 'id i pk, name t, country c2, email t, rating p, created_at ts'),
  table('supplier_products', null, 'id i pk, supplier_id i >suppliers, product_id i >products, cost n, lead_time_days i'),
  table('carriers', null, 'id i pk, name t, country c2, tracking_url t'),
  table('delivery_routes', null, 'id i pk, name t, warehouse_id i >warehouses, driver_id i >drivers, day d'),
  table('route_stops', null, 'id i pk, route_id i >delivery_routes, shipment_id i >shipments, position i, arrived_at ts'),
  table('vehicles', null, 'id i pk, plate t, kind t, capacity_kg i'),
  table('drivers', null, 'id i pk, full_name t, phone t, vehicle_id i >vehicles, hired_at d'),
  table('fuel_logs', null, 'id i pk, vehicle_id i >vehicles, litres p, cost n, filled_at ts'),
  table('inbound_shipments', null, 'id i pk, purchase_order_id i >purchase_orders, warehouse_id i >warehouses, expected_at ts, received_at ts, status t'),
  table('inbound_shipment_lines', null, 'id i pk, inbound_shipment_id i >inbound_shipments, product_id i >products, quantity i'),
  table('pick_lists', null, 'id i pk, warehouse_id i >warehouses, created_at ts, status t'),
  table('pick_list_items', null, 'id i pk, pick_list_id i >pick_lists, order_item_id i >order_items, quantity i, picked b'),
  table('packages', null, 'id i pk, shipment_id i >shipments, weight_kg p, length_cm i, width_cm i, height_cm i'),
  table('customs_declarations', null, 'id i pk, shipment_id i >shipments, country c2, value n, filed_at ts'),
  table('inventory_counts', null, 'id i pk, warehouse_id i >warehouses, product_id i >products, counted i, counted_at ts'),
  table('reorder_rules', null, 'id i pk, product_id i >products, warehouse_id i >warehouses, min_quantity i, reorder_quantity i'),
  table('freight_rates', null, 'id i pk, carrier_id i >carriers, country c2, weight_from_kg p, price n'),
];

const SUPPORT: LinkableTable[] = [
  table('tickets', 'Support requests from customers.', 'id i pk, customer_id i >customers, order_id i >orders, subject t, status t, priority t, channel t, assigned_agent_id i >support_agents, created_at ts, closed_at ts'),
  table('ticket_comments', null, 'id i pk, ticket_id i >tickets, author t, body t, created_at ts, internal b'),
  table('ticket_tags', null, 'id i pk, ticket_id i >tickets, tag t'),
  table('support_agents', 'People who answer tickets.', 'id i pk, full_name t, email t, team_id i >support_teams, hired_at d'),
  table('support_teams', null, 'id i pk, name t, timezone t'),
  table('sla_policies', null, 'id i pk, priority t, first_response_minutes i, resolution_hours i'),
  table('sla_breaches', null, 'id i pk, ticket_id i >tickets, policy_id i >sla_policies, breached_at ts'),
  table('satisfaction_surveys', 'What customers answered after a ticket was closed (score 1 to 5).', 'id i pk, ticket_id i >tickets, score sm, comment t, answered_at ts'),
  table('knowledge_articles', null, 'id i pk, title t, body t, published_at ts, views i'),
  table('article_feedback', null, 'id i pk, article_id i >knowledge_articles, helpful b, created_at ts'),
  table('chat_sessions', null, 'id i pk, customer_id i >customers, agent_id i >support_agents, started_at ts, ended_at ts, rating sm'),
  table('chat_messages', null, 'id i pk, chat_session_id i >chat_sessions, sender t, body t, sent_at ts'),
  table('call_logs', null, 'id i pk, customer_id i >customers, agent_id i >support_agents, started_at ts, duration_seconds i'),
  table('escalations', null, 'id i pk, ticket_id i >tickets, level i, reason t, escalated_at ts'),
  table('warranty_claims', null, 'id i pk, order_item_id i >order_items, product_id i >products, customer_id i >customers, status t, filed_at ts'),
];

const IT: LinkableTable[] = [
  table('users', 'Staff accounts of the back office.', 'id i pk, email t, full_name t, role t, created_at ts, last_login_at ts'),
  table('roles', null, 'id i pk, name t, description t'),
  table('user_roles', null, 'id i pk, user_id i >users, role_id i >roles'),
  table('sessions', null, 'id i pk, user_id i >users, started_at ts, ip t, user_agent t'),
  table('api_keys', null, 'id i pk, user_id i >users, prefix t, created_at ts, revoked_at ts'),
  table('audit_log', null, 'id bi pk, user_id i >users, action t, target t, occurred_at ts'),
  table('feature_flags', null, 'id i pk, name t, enabled b, updated_at ts'),
  table('jobs', null, 'id i pk, name t, schedule t, enabled b'),
  table('job_runs', null, 'id i pk, job_id i >jobs, started_at ts, finished_at ts, status t, error t'),
  table('error_logs', null, 'id bi pk, service t, level t, message t, occurred_at ts'),
  table('deployments', null, 'id i pk, service t, version t, deployed_at ts, deployed_by t'),
  table('page_views', 'Storefront page views.', 'id bi pk, customer_id i >customers, url t, viewed_at ts, referrer t, country c2'),
  table('events', 'Tracking events from the storefront and the app.', 'id bi pk, customer_id i >customers, name t, properties j, occurred_at ts'),
  table('app_installs', null, 'id i pk, customer_id i >customers, platform t, installed_at ts'),
  table('push_notifications', null, 'id i pk, customer_id i >customers, title t, sent_at ts, opened b'),
  table('config_settings', null, 'id i pk, key t, value t, updated_at ts'),
];

const ANALYTICS: LinkableTable[] = [
  table('dash_customer_ltv', 'Nightly: lifetime value per customer for the dashboard.', 'id i pk, customer_id i >customers, lifetime_value n, orders_count i, computed_at ts'),
  table('cohort_retention', null, 'id i pk, cohort_month d, month_offset i, customers i, retained i'),
  table('product_performance_weekly', null, 'id i pk, product_id i >products, week d, views i, units i, revenue n'),
  table('funnel_daily', null, 'id i pk, day d, visits i, carts i, checkouts i, orders i'),
  table('churn_predictions', null, 'id i pk, customer_id i >customers, probability p, predicted_at ts'),
  table('ab_tests', null, 'id i pk, name t, started_at ts, ended_at ts, status t'),
  table('ab_test_assignments', null, 'id i pk, ab_test_id i >ab_tests, customer_id i >customers, variant t'),
  table('nps_scores', null, 'id i pk, customer_id i >customers, score sm, answered_at ts, comment t'),
];

// ───────────── distractors: copies ─────────────

const ALL_BASE = [...SHOP, ...COMMERCE, ...HR, ...FINANCE, ...MARKETING, ...LOGISTICS, ...SUPPORT, ...IT, ...ANALYTICS];
const BASE = new Map(ALL_BASE.map((t) => [t.name, t]));

/** A copy of `base`: `bare` copies (create table … as select) keep no keys; partitions keep them. */
function copy(name: string, baseName: string, comment: string | null, bare: boolean): LinkableTable {
  const base = BASE.get(baseName);
  if (!base) throw new Error(`no table ${baseName} to copy`);
  return {
    ...base,
    name,
    comment,
    columns: base.columns.map((c) => ({ ...c })),
    primaryKey: bare ? [] : [...base.primaryKey],
    foreignKeys: bare ? [] : base.foreignKeys.map((fk) => ({ ...fk })),
  };
}

const COPIES: LinkableTable[] = [
  copy('bak_customers', 'customers', null, true),
  copy('customers_backup', 'customers', 'Backup of customers taken before the 2024 CRM migration.', true),
  copy('customers_v2', 'customers', null, true),
  copy('tmp_customers', 'customers', null, true),
  copy('tmp_orders', 'orders', null, true),
  copy('orders_copy', 'orders', 'Copy of orders for the finance reconciliation. Do not use.', true),
  copy('orders_backup', 'orders', null, true),
  copy('old_orders', 'orders', 'Deprecated: orders of the old shop system.', true),
  copy('orders_2019', 'orders', 'Orders of 2019, archived from the old shop system.', false),
  copy('orders_2020', 'orders', null, false),
  copy('orders_2021', 'orders', null, false),
  copy('orders_2022', 'orders', null, false),
  copy('staging_orders', 'orders', null, true),
  copy('old_products', 'products', null, true),
  copy('products_backup', 'products', null, true),
  copy('tmp_products', 'products', null, true),
  copy('products_v2', 'products', 'New product model, not live yet.', true),
  copy('staging_order_items', 'order_items', null, true),
  copy('order_items_2019', 'order_items', null, false),
  copy('order_items_2020', 'order_items', null, false),
  copy('order_items_archive', 'order_items', null, true),
  copy('bak_order_items', 'order_items', null, true),
  copy('reviews_archive', 'reviews', null, true),
  copy('reviews_old', 'reviews', null, true),
  copy('tmp_reviews', 'reviews', null, true),
  copy('categories_old', 'categories', null, true),
  copy('bak_categories', 'categories', null, true),
];

/** Partitions and copies of other tables, by the patterns real databases collect. */
const SUFFIXES: [string, string | null, boolean][] = [
  ['_2019', null, false],
  ['_2020', null, false],
  ['_2021', null, false],
  ['_2022', null, false],
  ['_2023', null, false],
  ['_backup', 'Backup copy.', true],
  ['_old', null, true],
  ['_archive', null, true],
  ['_copy', null, true],
];
const PREFIXES: [string, string | null, boolean][] = [
  ['bak_', null, true],
  ['tmp_', null, true],
  ['staging_', null, true],
  ['old_', 'Deprecated.', true],
];
const COPIED = [
  'invoices', 'payments', 'shipments', 'refunds', 'employees', 'tickets', 'leads', 'campaigns', 'page_views', 'events', 'ledger_entries',
  'audit_log', 'stock_movements', 'carts', 'customer_notes', 'newsletter_subscribers', 'salaries', 'expenses', 'email_sends', 'sales_orders',
  'invoice_lines', 'ticket_comments', 'purchase_orders', 'subscriptions', 'suppliers', 'stock_levels', 'job_runs', 'error_logs', 'web_sessions',
  'chat_messages', 'product_prices', 'coupons',
];

function generatedCopies(count: number): LinkableTable[] {
  const out: LinkableTable[] = [];
  const taken = new Set(ALL_BASE.map((t) => t.name).concat(COPIES.map((t) => t.name)));
  for (let round = 0; out.length < count; round++) {
    for (let i = 0; i < COPIED.length && out.length < count; i++) {
      const base = COPIED[i] as string;
      const patterns = [...SUFFIXES, ...PREFIXES];
      const [mark, comment, bare] = patterns[(i * 5 + round * 3) % patterns.length] as [string, string | null, boolean];
      const name = mark.endsWith('_') ? `${mark}${base}` : `${base}${mark}`;
      if (taken.has(name)) continue;
      taken.add(name);
      out.push(copy(name, base, comment, bare));
    }
    if (round > 40) break;
  }
  return out;
}

const HAND_WRITTEN = [...COMMERCE, ...HR, ...FINANCE, ...MARKETING, ...LOGISTICS, ...SUPPORT, ...IT, ...ANALYTICS, ...COPIES];
/** 300 distractors: hand-written ones, then generated copies to make up the number. */
export const DISTRACTORS: LinkableTable[] = [...HAND_WRITTEN, ...generatedCopies(300 - HAND_WRITTEN.length)];

/** The noisy schema, in a fixed shuffled order (the linker must not depend on it). */
export const NOISY: LinkableTable[] = shuffle([...SHOP, ...DISTRACTORS], 17);

function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

// ───────────── sample values ─────────────

const TEXT_TYPE = /char|text|enum|string|citext|uuid/i;
const shopRows = generateShopData();

/** The values the ask service keeps of the first 50 rows. */
function frequent(values: unknown[]): string[] {
  return distinctSamples(values.slice(0, 50));
}

/** Plausible values for a distractor's text column, by its name. */
const STAND_IN: [RegExp, string[]][] = [
  [/status/, ['active', 'closed', 'pending']],
  [/email/, ['anna.berg@example.com', 'li.wei@example.com', 'omar.haddad@example.com']],
  [/full_name|^name$|author|sender|counterparty/, ['Anna Berg', 'Li Wei', 'Omar Haddad']],
  [/country/, ['DE', 'FR', 'GB']],
  [/currency/, ['EUR', 'GBP', 'USD']],
  [/city/, ['Berlin', 'Paris', 'London']],
  [/channel|network|medium|source/, ['email', 'web', 'social']],
  [/priority|level/, ['high', 'normal', 'low']],
  [/kind|category|reason|event|action|role|tier|plan|method|variant|platform/, ['standard', 'other', 'manual']],
  [/url|page|referrer/, ['/home', '/checkout', '/products']],
  [/sku|code|number|prefix|plate|iban|reference|tracking/, ['A-1001', 'A-1002', 'B-2001']],
];

function standIn(column: string): string[] {
  return STAND_IN.find(([pattern]) => pattern.test(column))?.[1] ?? ['sample one', 'sample two', 'sample three'];
}

/** Sample values of a table's text columns (the first 8, as the ask service reads them). */
export function samplesOf(table: LinkableTable): Map<string, string[]> {
  const text = table.columns.filter((c) => TEXT_TYPE.test(c.dataType)).slice(0, 8);
  const rows = (shopRows as unknown as Record<string, Record<string, unknown>[]>)[table.name];
  const isShop = SHOP.some((t) => t.name === table.name);
  return new Map(text.map((c) => [c.name, isShop && rows ? frequent(rows.map((r) => r[c.name])) : standIn(c.name)]));
}

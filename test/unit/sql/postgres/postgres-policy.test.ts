import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import { checkColumnMaskPostgres, checkRowFilterPostgres } from '../../../../src/sql/postgres/postgres-policy.js';
import { COLUMNS } from '../../../fixtures/postgres-corpus.js';

describe('checkRowFilterPostgres', () => {
  const customers = { schema: 'public', name: 'customers', columns: COLUMNS.customers ?? [] };

  it.each([
    "country = 'DE'",
    "country in ('DE', 'FR') and not marketing_opt_in",
    "lower(city) like 'b%'",
    "created_at > now() - interval '1 year'",
    "customers.country = 'DE'",
    "public.customers.country = 'DE'",
  ])('accepts %s', async (predicate) => {
    await expect(checkRowFilterPostgres(predicate, customers)).resolves.toBeUndefined();
  });

  it.each([
    ['id in (select customer_id from orders)', 'subquer'],
    ['exists (select 1)', 'subquer'],
    ['orders.customer_id = 1', 'unknown table'],
    ['nope = 1', 'unknown column'],
    ["pg_sleep(1) is null", 'pg_sleep'],
    ['count(*) > 1', 'policy expression'],
    ['row_number() over () = 1', 'policy expression'],
    ['id = $1', 'Parameters'],
    ["true; delete from orders", 'single SQL expression'],
    ['true union select 1 from orders', 'single SQL expression'],
    ['true group by id', 'single SQL expression'],
    ['true order by 1', 'single SQL expression'],
    ["true limit 1", 'single SQL expression'],
    ['ctid is not null', 'system column'],
    ["'x'::regclass is not null", 'catalog'],
    ['customers is not null', 'whole-row'],
    ['row(customers.*) is not null', 'whole-row'],
  ])('refuses %s', async (predicate, reason) => {
    const error = await checkRowFilterPostgres(predicate, customers).then(
      () => undefined,
      (e: unknown) => e as AppError,
    );
    expect(error, predicate).toBeInstanceOf(AppError);
    expect(`${error?.message} ${JSON.stringify(error?.details)}`).toContain(reason);
  });

  it('reports a syntax error at its position in the predicate', async () => {
    await expect(checkRowFilterPostgres('country = = 1', customers)).rejects.toMatchObject({ code: ErrorCode.SQL_SYNTAX, details: { position: 11 } });
  });

  it('checks masks the same way', async () => {
    await expect(checkColumnMaskPostgres("left(email, 2) || '***'", customers)).resolves.toBeUndefined();
    await expect(checkColumnMaskPostgres('(select max(email) from customers)', customers)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
    await expect(checkColumnMaskPostgres('count(*)', customers)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
    await expect(checkColumnMaskPostgres("'x' as email", customers)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/errors/app-error.js';
import type { GateCatalog } from '../../../../src/sql/analysis.js';
import { checkMaskMysql, checkRowFilterMysql } from '../../../../src/sql/mysql/mysql-policy.js';
import { catalog } from '../../../fixtures/mysql-corpus.js';
import { refusal } from '../../../helpers/app-error.js';

describe('checkRowFilterMysql', () => {
  const orders = catalog.tables.find((table) => table.name === 'orders') as GateCatalog['tables'][number];

  it.each([
    "status <> 'cancelled'",
    "shipping_country in ('DE', 'FR') and total < 1000",
    'customer_id = 42',
    "orders.status = 'paid'",
    'year(ordered_at) >= 2024 or shipped_at is null',
  ])('accepts %s', (predicate) => {
    expect(() => checkRowFilterMysql(predicate, orders)).not.toThrow();
  });

  it.each([
    ['email = 1', 'unknown column'],
    ['customers.id = 1', 'unknown table'],
    ['customer_id in (select id from customers)', 'sub-quer'],
    ['exists (select 1)', 'sub-quer'],
    ['sleep(1) = 0', 'SLEEP'],
    ['total > 0; drop table orders', 'one statement'],
    ["status = 'x' /*!50000 or 1=1 */", 'executable comment'],
    ['1) union (select 1', 'single expression'],
    ['@x = 1', 'variable'],
    ['status = ', 'not allowed'],
  ])('refuses %s', (predicate, reason) => {
    const error = refusal(() => checkRowFilterMysql(predicate, orders));
    expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(`${error.message} ${String(error.details?.construct)}`.toLowerCase()).toContain(reason.toLowerCase());
  });
});

describe('checkMaskMysql', () => {
  const customers = catalog.tables.find((table) => table.name === 'customers') as GateCatalog['tables'][number];

  it.each(["'***'", "concat(left(email, 2), '***')", 'null', "if(segment = 'enterprise', city, 'hidden')"])('accepts %s', (expression) => {
    expect(() => checkMaskMysql(expression, customers)).not.toThrow();
  });

  it.each([
    ['1) or (1', 'balance'],
    ["'unclosed", 'balance'],
    ['email; drop table customers', 'balance'],
    ['(select max(email) from customers)', 'sub-quer'],
    ['password', 'unknown column'],
    ['load_file(email)', 'load_file'],
  ])('refuses %s', (expression, reason) => {
    const error = refusal(() => checkMaskMysql(expression, customers));
    expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(`${error.message} ${String(error.details?.construct)}`.toLowerCase()).toContain(reason.toLowerCase());
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkWhere, comparisonSchema } from '../../../plugins/drivers/row-query-shape.js';
import { AppError } from '../../../src/errors/app-error.js';

describe('checkWhere', () => {
  const operand = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 4 }),
    fc.string({ minLength: 999, maxLength: 1_001 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant({ a: 1 }),
    fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), { maxLength: 4 }),
    fc.array(fc.integer(), { minLength: 999, maxLength: 1_001 }),
  );
  const comparison = fc.oneof(
    fc.dictionary(fc.constantFrom('_eq', '_neq', '_gt', '_gte', '_lt', '_lte', '_in', '_nin', '_like', '_ilike', '_is_null', '_nope', 'plain'), operand, { maxKeys: 3 }),
    operand,
  );

  it('accepts a comparison exactly when its schema does, and refuses the rest as BAD_USER_INPUT naming where', () => {
    fc.assert(
      fc.property(comparison, (value) => {
        // A column compared with nothing (null or absent) is left out, as GraphQL input leaves out absent fields.
        const schemaSays = value === null || value === undefined || comparisonSchema.safeParse(value).success;
        let error: unknown;
        try {
          checkWhere({ status: value });
        } catch (caught) {
          error = caught;
        }
        if (schemaSays) expect(error).toBeUndefined();
        else {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).details?.field).toMatch(/^where\.status/);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

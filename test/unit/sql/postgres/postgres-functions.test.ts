import { describe, expect, it } from 'vitest';
import {
  POSTGRES_AGGREGATE_FUNCTIONS,
  POSTGRES_ALLOWED_FUNCTIONS,
  POSTGRES_WINDOW_FUNCTIONS,
} from '../../../../src/sql/postgres/postgres-functions.js';


describe('POSTGRES_ALLOWED_FUNCTIONS', () => {
  it('holds no pg_ function and none of the known dangerous ones', () => {
    for (const name of POSTGRES_ALLOWED_FUNCTIONS) expect(name.startsWith('pg_'), name).toBe(false);
    for (const name of ['set_config', 'current_setting', 'dblink', 'nextval', 'setval', 'currval', 'lo_import', 'query_to_xml', 'version', 'setseed', 'txid_current', 'current_database', 'json_populate_record']) {
      expect(POSTGRES_ALLOWED_FUNCTIONS.has(name), name).toBe(false);
    }
  });

  it('holds every aggregate and window function it names', () => {
    for (const name of [...POSTGRES_AGGREGATE_FUNCTIONS, ...POSTGRES_WINDOW_FUNCTIONS]) expect(POSTGRES_ALLOWED_FUNCTIONS.has(name)).toBe(true);
  });

  it('is lower-case', () => {
    for (const name of POSTGRES_ALLOWED_FUNCTIONS) expect(name).toBe(name.toLowerCase());
  });
});

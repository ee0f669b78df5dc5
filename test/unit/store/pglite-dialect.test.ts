import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from '../../../plugins/drivers/pglite/pglite-dialect.js';

interface Db {
  t: { n: number };
}

describe('the PGlite Kysely dialect', () => {
  let client: PGlite;
  let db: Kysely<Db>;

  beforeAll(async () => {
    client = await PGlite.create('memory://');
    db = new Kysely<Db>({ dialect: new PGliteDialect(client) });
    await sql`create table t (n int)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await client.close();
  });

  it('keeps concurrent transactions apart: a rollback undoes only its own writes', async () => {
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 1 }).execute();
      await new Promise((resolve) => setTimeout(resolve, 30));
      throw new Error('roll back');
    });
    const succeeding = db.transaction().execute(async (trx) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await trx.insertInto('t').values({ n: 2 }).execute();
    });
    await expect(failing).rejects.toThrow('roll back');
    await succeeding;
    expect(await db.selectFrom('t').select('n').execute()).toEqual([{ n: 2 }]);
  });

  it('reports affected rows', async () => {
    const result = await db.updateTable('t').set({ n: 3 }).where('n', '=', 2).executeTakeFirst();
    expect(result.numUpdatedRows).toBe(1n);
  });
});

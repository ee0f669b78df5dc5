import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogConstraint } from '../../../plugins/drivers/catalog.js';
import { DEFAULT_POOL_SETTINGS, type DatabaseDriver } from '../../../plugins/drivers/driver.js';
import { DriverRegistry } from '../../../plugins/drivers/registry.js';
import { serviceAvailable } from '../../helpers/services.js';
import { createTempPostgres } from '../../helpers/temp-postgres.js';

/** Every SQL driver reports primary key, unique, check (with its expression and columns) and foreign key constraints. */

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

const engines: { name: string; available: boolean; setup(): Promise<{ engine: string; settings: Record<string, unknown>; teardown(): Promise<void> }> }[] = [
  {
    name: 'postgres',
    available: pgUp,
    setup: async () => {
      const db = await createTempPostgres();
      return { engine: 'postgres', settings: { endpoints: [{ host: '127.0.0.1', port: 5432 }], database: db.name, user: 'postgres' }, teardown: () => db.drop() };
    },
  },
  {
    name: 'mariadb',
    available: mariaUp,
    setup: async () => {
      const name = `warden_test_${randomBytes(6).toString('hex')}`;
      const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await admin.query(`create database ${name}`);
      await admin.end();
      return {
        engine: 'mysql',
        settings: { endpoints: [{ host: '127.0.0.1', port: 3306 }], database: name, user: 'root' },
        teardown: async () => {
          const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
          await c.query(`drop database if exists ${name}`);
          await c.end();
        },
      };
    },
  },
  { name: 'pglite', available: true, setup: async () => ({ engine: 'pglite', settings: { dataDir: 'memory://' }, teardown: async () => undefined }) },
];

const FIXTURE = [
  'create table teams (id integer primary key, code varchar(10) not null, constraint teams_code unique (code))',
  'create table members (id integer primary key, team_id integer not null, age integer check (age >= 18), salary integer not null, bonus integer not null, ' +
    'constraint bonus_below_salary check (bonus < salary), constraint members_team foreign key (team_id) references teams (id))',
];

const registry = new DriverRegistry();

for (const engine of engines) {
  describe.skipIf(!engine.available)(`constraints from the ${engine.name} driver`, () => {
    let driver: DatabaseDriver;
    let teardown: () => Promise<void>;

    beforeAll(async () => {
      const setup = await engine.setup();
      teardown = setup.teardown;
      const factory = registry.get(setup.engine);
      driver = factory.create(factory.configSchema.parse(setup.settings), { pool: DEFAULT_POOL_SETTINGS });
      for (const statement of FIXTURE) await driver.execute(statement, [], { readOnly: false });
    });
    afterAll(async () => {
      await driver?.close();
      await teardown?.();
    });

    it('reports primary key, unique, check and foreign key constraints with the columns each involves', async () => {
      const catalog = await driver.introspect();
      const of = (name: string) => catalog.tables.find((t) => t.name === name)?.constraints ?? [];
      const shape = (c: CatalogConstraint) => [c.kind, [...c.columns].sort()];
      expect(of('teams').map(shape)).toEqual(expect.arrayContaining([['PRIMARY_KEY', ['id']], ['UNIQUE', ['code']]]));
      const members = of('members');
      expect(members.map(shape)).toEqual(
        expect.arrayContaining([
          ['PRIMARY_KEY', ['id']],
          ['CHECK', ['age']],
          ['CHECK', ['bonus', 'salary']],
          ['FOREIGN_KEY', ['team_id']],
        ]),
      );
      expect(members).toHaveLength(4);
      const check = members.find((c) => c.name === 'bonus_below_salary');
      expect(check?.definition).toMatch(/bonus.*<.*salary/);
      expect(members.find((c) => c.kind === 'FOREIGN_KEY')).toMatchObject({ name: 'members_team', referencedTable: 'teams', referencedColumns: ['id'] });
    });
  });
}

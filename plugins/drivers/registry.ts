import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import type { AnyDriverFactory } from './driver.js';
import { mongodbDriverFactory } from './mongodb/mongodb-driver.js';
import { mysqlDriverFactory } from './mysql/mysql-driver.js';
import { pgliteDriverFactory, pgliteDriverFactoryWithin } from './pglite/pglite-driver.js';
import { postgresDriverFactory } from './postgres/postgres-driver.js';

/** Connection-string schemes each built-in engine answers to. */
const SCHEMES: Record<string, string> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mongodb: 'mongodb',
  'mongodb+srv': 'mongodb',
  pglite: 'pglite',
};

/** The engines Warden can connect to: the built-ins, plus any registered by a plugin package. */
export class DriverRegistry {
  readonly #factories = new Map<string, AnyDriverFactory>();
  readonly #schemes = new Map<string, string>(Object.entries(SCHEMES));

  constructor(factories: readonly AnyDriverFactory[] = BUILT_IN_DRIVERS) {
    for (const factory of factories) this.register(factory);
  }

  /** Adds an engine. A third-party driver may also claim connection-string schemes. */
  register(factory: AnyDriverFactory, schemes: readonly string[] = []): void {
    if (this.#factories.has(factory.engine)) {
      throw new Error(`A driver for the engine "${factory.engine}" is already registered.`);
    }
    this.#factories.set(factory.engine, factory);
    for (const scheme of schemes) this.#schemes.set(scheme.toLowerCase(), factory.engine);
  }

  get(engine: string): AnyDriverFactory {
    const factory = this.#factories.get(engine);
    if (!factory) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `No driver for the engine "${engine}". Known engines: ${this.engines().join(', ')}.`, {
        field: 'engine',
      });
    }
    return factory;
  }

  /** The engine a connection string's scheme names, if any. */
  engineForConnectionString(connectionString: string): string | undefined {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(connectionString.trim())?.[1]?.toLowerCase();
    return scheme ? this.#schemes.get(scheme) : undefined;
  }

  engines(): string[] {
    return [...this.#factories.keys()].sort();
  }

  factories(): AnyDriverFactory[] {
    return this.engines().map((engine) => this.#factories.get(engine) as AnyDriverFactory);
  }
}

export const BUILT_IN_DRIVERS: readonly AnyDriverFactory[] = [
  postgresDriverFactory,
  mysqlDriverFactory,
  pgliteDriverFactory,
  mongodbDriverFactory,
];

/**
 * The built-in drivers as a gateway runs them: PGlite confined to the data folder, and kept out of
 * `reserved` folders (the embedded store's).
 */
export function gatewayDrivers(dataDir: string, reserved: readonly string[] = []): AnyDriverFactory[] {
  return BUILT_IN_DRIVERS.map((factory) => (factory === pgliteDriverFactory ? pgliteDriverFactoryWithin(dataDir, reserved) : factory));
}

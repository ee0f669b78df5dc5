import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The environment of one replica among several, as the benches run them: the store in PostgreSQL with
 * its shared secret key, Redis under its own prefix, one process (its CPU and memory are the figures),
 * production mode, no demo database.
 */
export function replicaEnv(options: { storeUrl: string; secretKey: string; adminKey: string; redisUrl: string; redisPrefix: string }): Record<string, string> {
  return {
    WARDEN_STORE_URL: options.storeUrl,
    WARDEN_SECRET_KEY: options.secretKey,
    WARDEN_DEMO: 'false',
    WARDEN_ADMIN_KEY: options.adminKey,
    WARDEN_REDIS_URL: options.redisUrl,
    WARDEN_REDIS_PREFIX: options.redisPrefix,
    WARDEN_WORKERS: '1',
    NODE_ENV: 'production',
  };
}

export interface SpawnedGateway {
  process: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Whether spawned gateways and CLIs run the compiled code in dist/ (WARDEN_SPAWN_BUILT=1) rather than the
 * source through tsx. `npm test` builds first and sets it: the compiled entry starts in about 1.2 s where
 * tsx takes about 3.2 s, and it is what a production image runs. A file run on its own (`npx vitest run
 * …`) runs the source, so it never tests a stale build.
 */
export const SPAWN_BUILT = process.env.WARDEN_SPAWN_BUILT === '1';

/** Node's arguments to run `src/<name>.ts`: compiled when SPAWN_BUILT (unless `source`), else through tsx. */
export function entryOf(name: 'main' | 'cli', source = false): string[] {
  return SPAWN_BUILT && !source ? [`dist/src/${name}.js`] : ['--import', 'tsx', `src/${name}.ts`];
}

export interface SpawnOptions {
  timeoutMs?: number;
  nodeArgs?: string[];
  /** Always the source through tsx, exactly as `npm start` runs it, even under SPAWN_BUILT. */
  source?: boolean;
}

/**
 * Runs the gateway the way `npm start` does (`node --import tsx src/main.ts`: tsx as a loader only, so
 * signals reach the gateway itself), or its compiled form (see SPAWN_BUILT), in its own process.
 */
export async function spawnGateway(env: Record<string, string>, options: SpawnOptions = {}): Promise<SpawnedGateway> {
  const { timeoutMs = 60_000, nodeArgs = [], source = false } = options;
  const child = spawn(process.execPath, [...nodeArgs, ...entryOf('main', source)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    const check = () => {
      const match = /serving GraphQL at (http:\/\/[^\s"]+)\/graphql/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before serving:\n${out}\n${err}`));
    });
  });

  return {
    process: child,
    baseUrl,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

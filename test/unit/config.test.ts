import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to port 4000, loopback, an embedded store under ./.warden and the demo on', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.store).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/\/\.warden\/store$/) });
    expect(config.demo).toBe(true);
    expect(config.env).toBe('development');
  });

  it('uses PostgreSQL for the store when WARDEN_STORE_URL is set, with a shared WARDEN_SECRET_KEY', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const config = loadConfig({ WARDEN_STORE_URL: 'postgres://u@db.internal:5432/warden', WARDEN_SECRET_KEY: key });
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://u@db.internal:5432/warden', pool: { max: 20, timeoutMs: 15_000 } });
    // Replicas sharing a store must share the key that seals credentials; a local key file cannot.
    expect(() => loadConfig({ WARDEN_STORE_URL: 'postgres://u@db.internal:5432/warden' })).toThrow(/WARDEN_SECRET_KEY: required when WARDEN_STORE_URL is set/);
  });

  it('runs one process unless the store is PostgreSQL and Redis is set, then one worker a core', () => {
    const shared = { WARDEN_STORE_URL: 'postgres://u@db.internal:5432/warden', WARDEN_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'), WARDEN_REDIS_URL: 'redis://cache.internal:6379' };
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WARDEN_STORE_URL: shared.WARDEN_STORE_URL, WARDEN_SECRET_KEY: shared.WARDEN_SECRET_KEY }).workers).toBe(1);
    expect(loadConfig({ WARDEN_REDIS_URL: shared.WARDEN_REDIS_URL }).workers).toBe(1);
    expect(loadConfig(shared).workers).toBe(availableParallelism());
    expect(loadConfig({ ...shared, WARDEN_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ...shared, WARDEN_WORKERS: '1' }).workers).toBe(1);
    expect(loadConfig({ WARDEN_WORKERS: '1' }).workers).toBe(1);
  });

  it('refuses WARDEN_WORKERS above 1 without a PostgreSQL store and Redis, and outside 1..256', () => {
    const why = /WARDEN_WORKERS > 1 needs WARDEN_STORE_URL \(the embedded store belongs to one process\) and WARDEN_REDIS_URL/;
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(() => loadConfig({ WARDEN_WORKERS: '2' })).toThrow(why);
    expect(() => loadConfig({ WARDEN_WORKERS: '2', WARDEN_REDIS_URL: 'redis://cache.internal:6379' })).toThrow(why);
    expect(() => loadConfig({ WARDEN_WORKERS: '2', WARDEN_STORE_URL: 'postgres://u@db.internal:5432/warden', WARDEN_SECRET_KEY: key })).toThrow(why);
    for (const bad of ['0', '257', '1.5', 'many']) expect(() => loadConfig({ WARDEN_WORKERS: bad }), bad).toThrow(/WARDEN_WORKERS: /);
  });

  it('takes WARDEN_URL (the gateway warden mcp goes through) as an http(s) address without credentials', () => {
    expect(loadConfig({}).gatewayUrl).toBeUndefined();
    expect(loadConfig({ WARDEN_URL: 'http://127.0.0.1:4000' }).gatewayUrl).toBe('http://127.0.0.1:4000');
    for (const bad of ['ftp://127.0.0.1:4000', 'localhost:4000', 'http://agent:wdn_secret@127.0.0.1:4000']) {
      let message = '';
      try {
        loadConfig({ WARDEN_URL: bad });
      } catch (error) {
        message = (error as ConfigError).message;
      }
      expect(message, bad).toContain('WARDEN_URL');
      expect(message).not.toContain('wdn_secret');
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', WARDEN_ADMIN_KEY: '' })).toMatchObject({ port: 4000, adminKey: undefined });
  });

  it('names every bad variable and never echoes its value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', WARDEN_ADMIN_KEY: 'short-secret', WARDEN_STORE_URL: 'mysql://x', WARDEN_DEMO: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'WARDEN_ADMIN_KEY', 'WARDEN_STORE_URL', 'WARDEN_DEMO']) expect(message).toContain(name);
    expect(message).not.toContain('short-secret');
  });

  it('reads WARDEN_EGRESS_ALLOW and WARDEN_EGRESS_DENY as lists of CIDRs and host names, and refuses what it cannot read', () => {
    expect(loadConfig({}).egress).toEqual({ allow: [], deny: [] });
    const config = loadConfig({ WARDEN_EGRESS_ALLOW: '127.0.0.1/32, hooks.internal', WARDEN_EGRESS_DENY: '*.blocked.example' });
    expect(config.egress.allow.map((r) => r.text)).toEqual(['127.0.0.1/32', 'hooks.internal']);
    expect(config.egress.deny).toMatchObject([{ kind: 'host', name: 'blocked.example', subdomains: true }]);
    expect(() => loadConfig({ WARDEN_EGRESS_ALLOW: '10.0.0.0/40' })).toThrow(/WARDEN_EGRESS_ALLOW: .*prefix length/);
    expect(() => loadConfig({ WARDEN_EGRESS_DENY: 'not a host' })).toThrow(/WARDEN_EGRESS_DENY: /);
  });

  it('requires WARDEN_SECRET_KEY to be 32 bytes of base64', () => {
    expect(() => loadConfig({ WARDEN_SECRET_KEY: 'abc' })).toThrow(/WARDEN_SECRET_KEY: expected 32 bytes/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ WARDEN_SECRET_KEY: key }).secretKey).toBe(key);
  });

  it('takes the security rule thresholds from WARDEN_ALERT_*, with the documented defaults, and refuses nonsense', () => {
    expect(loadConfig({}).alerts).toEqual({
      rules: { authFailuresPerKey: 5, authFailuresPerAddress: 10, denialBurst: 10, windowMs: 60_000, volumeFactor: 5, volumeMinimum: 60, baselineMinutes: 60, warmupMinutes: 10 },
      cooldownMs: 300_000,
    });
    const set = loadConfig({ WARDEN_ALERT_DENIAL_BURST: '3', WARDEN_ALERT_WINDOW_SECONDS: '10', WARDEN_ALERT_VOLUME_FACTOR: '2.5', WARDEN_ALERT_VOLUME_WARMUP_MINUTES: '0', WARDEN_ALERT_COOLDOWN_SECONDS: '30' });
    expect(set.alerts.rules).toMatchObject({ denialBurst: 3, windowMs: 10_000, volumeFactor: 2.5, warmupMinutes: 0 });
    expect(set.alerts.cooldownMs).toBe(30_000);
    expect(() => loadConfig({ WARDEN_ALERT_DENIAL_BURST: '0' })).toThrow(/WARDEN_ALERT_DENIAL_BURST/);
    expect(() => loadConfig({ WARDEN_ALERT_VOLUME_FACTOR: 'lots' })).toThrow(/WARDEN_ALERT_VOLUME_FACTOR: expected a number/);
  });
});

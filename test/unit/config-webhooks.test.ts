import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('loadConfig: webhooks', () => {
  it('defaults to 8 attempts, a 1 s backoff base, a 10 s timeout and a 1 s poll', () => {
    expect(loadConfig({}).webhooks).toEqual({ maxAttempts: 8, backoffMs: 1000, timeoutMs: 10_000, pollMs: 1000 });
  });

  it('reads the WARDEN_WEBHOOK_* variables', () => {
    const config = loadConfig({ WARDEN_WEBHOOK_MAX_ATTEMPTS: '3', WARDEN_WEBHOOK_BACKOFF_MS: '50', WARDEN_WEBHOOK_TIMEOUT_MS: '2000', WARDEN_WEBHOOK_POLL_MS: '25' });
    expect(config.webhooks).toEqual({ maxAttempts: 3, backoffMs: 50, timeoutMs: 2000, pollMs: 25 });
  });

  it('names each bad webhook variable', () => {
    expect(() => loadConfig({ WARDEN_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow(/WARDEN_WEBHOOK_MAX_ATTEMPTS/);
    expect(() => loadConfig({ WARDEN_WEBHOOK_BACKOFF_MS: 'soon' })).toThrow(/WARDEN_WEBHOOK_BACKOFF_MS: expected milliseconds/);
    expect(() => loadConfig({ WARDEN_WEBHOOK_TIMEOUT_MS: '-5' })).toThrow(/WARDEN_WEBHOOK_TIMEOUT_MS/);
    expect(() => loadConfig({ WARDEN_WEBHOOK_POLL_MS: '1.5' })).toThrow(/WARDEN_WEBHOOK_POLL_MS/);
  });
});

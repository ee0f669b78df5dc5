import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig: audit retention and pseudonyms', () => {
  it('keeps audit events 90 days and records agent ids by default', () => {
    expect(loadConfig({}).audit).toEqual({ retentionDays: 90, pseudonymise: false, pseudonymKey: undefined });
  });

  it('reads the retention, the pseudonymise flag and the pseudonym key', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    expect(loadConfig({ WARDEN_AUDIT_RETENTION_DAYS: '7', WARDEN_AUDIT_PSEUDONYMISE: 'true', WARDEN_AUDIT_PSEUDONYM_KEY: key }).audit).toEqual({
      retentionDays: 7,
      pseudonymise: true,
      pseudonymKey: key,
    });
  });

  it('names each bad audit variable and never echoes the key', () => {
    for (const days of ['0', '36501', '1.5', 'forever']) {
      expect(() => loadConfig({ WARDEN_AUDIT_RETENTION_DAYS: days })).toThrow(/WARDEN_AUDIT_RETENTION_DAYS/);
    }
    expect(() => loadConfig({ WARDEN_AUDIT_PSEUDONYMISE: 'maybe' })).toThrow(/WARDEN_AUDIT_PSEUDONYMISE: expected true or false/);
    let error: unknown;
    try {
      loadConfig({ WARDEN_AUDIT_PSEUDONYM_KEY: 'not-a-key-secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('WARDEN_AUDIT_PSEUDONYM_KEY: expected 32 bytes encoded as base64');
    expect((error as ConfigError).message).not.toContain('not-a-key-secret');
  });
});

import { describe, expect, it } from 'vitest';
import { CONFIGURED_ADMIN_KEY_ID, hashSecret, issueKey, keyFromHeaders, parseKey, secretMatches } from '../../../src/auth/api-key.js';

describe('API keys', () => {
  it('issues wdn_<id>_<secret> keys whose stored hash is not the secret', () => {
    const key = issueKey();
    expect(key.plaintext).toMatch(/^wdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseKey(key.plaintext);
    expect(parsed.id).toBe(key.id);
    expect(key.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.secretHash).not.toContain(parsed.secret);
    expect(key.plaintext).not.toContain(key.secretHash);
  });

  it('issues a different key every time', () => {
    const keys = new Set(Array.from({ length: 200 }, () => issueKey().plaintext));
    expect(keys.size).toBe(200);
  });

  it('accepts exactly the right secret', () => {
    const key = issueKey();
    const { secret } = parseKey(key.plaintext);
    expect(secretMatches(secret, key.secretHash)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}A`, key.secretHash)).toBe(secret.endsWith('A'));
    expect(secretMatches('', key.secretHash)).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
  });

  it('treats any other text as a candidate for the configured admin key', () => {
    expect(parseKey('my-own-long-admin-key-0123456789')).toEqual({
      id: CONFIGURED_ADMIN_KEY_ID,
      secret: 'my-own-long-admin-key-0123456789',
    });
    expect(secretMatches('my-own-long-admin-key-0123456789', hashSecret('my-own-long-admin-key-0123456789'))).toBe(true);
  });

  it('reads Bearer and X-API-Key headers', () => {
    expect(keyFromHeaders({ authorization: 'Bearer abc' })).toBe('abc');
    expect(keyFromHeaders({ authorization: 'bearer   abc ' })).toBe('abc');
    expect(keyFromHeaders({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(keyFromHeaders({ 'x-api-key': ['one', 'two'] })).toBe('one');
    expect(keyFromHeaders({})).toBeUndefined();
    expect(keyFromHeaders({ 'x-api-key': '  ' })).toBeUndefined();
  });
});

import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPseudonym, Pseudonymiser } from '../../../src/events/pseudonymiser.js';
import { derivePseudonymKey, loadPseudonymKey } from '../../../src/secrets/pseudonym-key.js';

const KEY = Buffer.alloc(32, 7);

describe('Pseudonymiser', () => {
  it('gives psn_ and the first 24 hex digits of HMAC-SHA256(key, agent id)', () => {
    const expected = createHmac('sha256', KEY).update('agt_abc').digest('hex').slice(0, 24);
    expect(new Pseudonymiser(KEY).ref('agt_abc')).toBe(`psn_${expected}`);
    expect(new Pseudonymiser(KEY).ref('agt_abc')).toMatch(/^psn_[0-9a-f]{24}$/);
  });

  it('gives the same agent the same pseudonym from any instance with the same key (restarts, replicas)', () => {
    const a = new Pseudonymiser(Buffer.from(KEY));
    const b = new Pseudonymiser(Buffer.from(KEY));
    expect(a.ref('agt_one')).toBe(b.ref('agt_one'));
    expect(a.ref('agt_one')).toBe(a.ref('agt_one'));
    expect(a.ref('agt_one')).not.toBe(a.ref('agt_two'));
  });

  it('gives another pseudonym under another key', () => {
    expect(new Pseudonymiser(KEY).ref('agt_one')).not.toBe(new Pseudonymiser(Buffer.alloc(32, 8)).ref('agt_one'));
  });

  it('is not changed by the caller mutating the key buffer afterwards', () => {
    const key = Buffer.from(KEY);
    const p = new Pseudonymiser(key);
    const before = p.ref('agt_one');
    key.fill(0);
    expect(p.ref('agt_one')).toBe(before);
  });

  it('returns the agent id itself when off, and null for no principal either way', () => {
    const off = Pseudonymiser.off();
    expect(off.enabled).toBe(false);
    expect(off.ref('agt_one')).toBe('agt_one');
    expect(off.ref(null)).toBeNull();
    expect(new Pseudonymiser(KEY).ref(null)).toBeNull();
    expect(new Pseudonymiser(KEY).enabled).toBe(true);
  });

  it('leaves a pseudonym as it is, so mapping twice is harmless', () => {
    const p = new Pseudonymiser(KEY);
    const ref = p.ref('agt_one');
    expect(isPseudonym(ref)).toBe(true);
    expect(p.ref(ref)).toBe(ref);
    expect(isPseudonym('agt_one')).toBe(false);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new Pseudonymiser(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('the pseudonym key', () => {
  it('is derived deterministically from the secret key, and differs from it and from other secrets', () => {
    const secret = randomBytes(32);
    const derived = derivePseudonymKey(secret);
    expect(derived).toHaveLength(32);
    expect(derivePseudonymKey(Buffer.from(secret)).equals(derived)).toBe(true);
    expect(derived.equals(secret)).toBe(false);
    expect(derivePseudonymKey(randomBytes(32)).equals(derived)).toBe(false);
  });

  it('is WARDEN_AUDIT_PSEUDONYM_KEY when set, else derived from WARDEN_SECRET_KEY, else from the key file', async () => {
    const explicit = randomBytes(32);
    const secret = randomBytes(32);
    const dir = await mkdtemp(join(tmpdir(), 'warden-psn-'));
    try {
      const keyFile = join(dir, 'secret.key');
      await writeFile(keyFile, `${secret.toString('base64')}\n`);
      const fromExplicit = await loadPseudonymKey({ pseudonymKey: explicit.toString('base64'), secretKey: secret.toString('base64'), keyFile });
      expect(fromExplicit.equals(explicit)).toBe(true);
      const fromSecret = await loadPseudonymKey({ pseudonymKey: undefined, secretKey: secret.toString('base64'), keyFile: join(dir, 'absent') });
      expect(fromSecret.equals(derivePseudonymKey(secret))).toBe(true);
      const fromFile = await loadPseudonymKey({ pseudonymKey: undefined, secretKey: undefined, keyFile });
      expect(fromFile.equals(fromSecret)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

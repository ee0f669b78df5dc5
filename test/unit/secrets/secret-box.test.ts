import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, SecretBox } from '../../../src/secrets/secret-box.js';

describe('SecretBox', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);

  it('seals with AES-256-GCM: the ciphertext hides the secret and names its key', () => {
    const box = new SecretBox(keyA);
    const sealed = box.seal('{"password":"hunter2"}', 'warden:database:db_1');
    expect(sealed.keyId).toBe(keyIdOf(keyA));
    expect(sealed.ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed.ciphertext).not.toContain('hunter2');
    expect(box.open(sealed, 'warden:database:db_1')).toBe('{"password":"hunter2"}');
    expect(box.seal('same', 'c').ciphertext).not.toBe(box.seal('same', 'c').ciphertext);
  });

  it('will not open a ciphertext moved to another row, or tampered with', () => {
    const box = new SecretBox(keyA);
    const sealed = box.seal('secret', 'warden:database:db_1');
    expect(() => box.open(sealed, 'warden:database:db_2')).toThrow(/could not be decrypted/);
    const parts = sealed.ciphertext.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open({ ...sealed, ciphertext: parts.join('.') }, 'warden:database:db_1')).toThrow(/could not be decrypted/);
  });

  it('rotates: a new key opens what the old one sealed when the old one is kept as previous', () => {
    const sealed = new SecretBox(keyA).seal('secret', 'ctx');
    const rotated = new SecretBox(keyB, [keyA]);
    expect(rotated.isStale(sealed.keyId)).toBe(true);
    expect(rotated.open(sealed, 'ctx')).toBe('secret');
    const resealed = rotated.seal('secret', 'ctx');
    expect(rotated.isStale(resealed.keyId)).toBe(false);
    expect(() => new SecretBox(keyB).open(sealed, 'ctx')).toThrow(/WARDEN_SECRET_KEY_PREVIOUS/);
  });
});

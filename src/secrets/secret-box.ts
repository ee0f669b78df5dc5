import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../errors/app-error.js';

/**
 * AES-256-GCM for credentials at rest. Each sealed value names the key that sealed it (its id is the
 * first 16 hex digits of the key's SHA-256), so the key can be rotated: seal with the current key,
 * open with whichever key the value names. The value is bound to a context string (the database id),
 * so a ciphertext copied onto another row does not open.
 */
export interface SealedSecret {
  keyId: string;
  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  ciphertext: string;
}

export class SecretBox {
  readonly #keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  /** `current` and `previous` are 32-byte keys; previous ones only open, never seal. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('An encryption key must be 32 bytes.');
      this.#keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = keyIdOf(current);
  }

  seal(plaintext: string, context: string): SealedSecret {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return { keyId: this.currentKeyId, ciphertext: ['v1', iv, tag, body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.') };
  }

  open(sealed: SealedSecret, context: string): string {
    const key = this.#keys.get(sealed.keyId);
    if (!key) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `Stored credentials were sealed with key ${sealed.keyId}, which is not configured. Add it to WARDEN_SECRET_KEY_PREVIOUS.`,
      );
    }
    const [version, iv, tag, body] = sealed.ciphertext.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new AppError(ErrorCode.INTERNAL, 'Stored credentials are malformed.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new AppError(ErrorCode.INTERNAL, 'Stored credentials could not be decrypted.', undefined, { cause: error });
    }
  }

  /**
   * A 32-byte key for another purpose (HKDF-SHA256 over the current key, `info` naming the purpose):
   * independent of the sealing key, the same on every replica sharing it, changed by a rotation.
   */
  deriveKey(info: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#keys.get(this.currentKeyId) as Buffer, Buffer.alloc(0), info, 32));
  }

  /** Whether a value sealed with this key id should be sealed again with the current key. */
  isStale(keyId: string): boolean {
    return keyId !== this.currentKeyId;
  }
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

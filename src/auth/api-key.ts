import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ID_PREFIX, randomBase32 } from '../ids.js';

/**
 * API keys look like `wdn_<key id>_<secret>`: the id finds the stored key, the secret proves the
 * holder. Only the SHA-256 of the secret is stored, and comparison is constant-time.
 */
const KEY_PATTERN = /^wdn_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

/** The store id of the key configured by WARDEN_ADMIN_KEY, whose whole text is its secret. */
export const CONFIGURED_ADMIN_KEY_ID = `${ID_PREFIX.ApiKey}_configured_admin`;

export interface IssuedKey {
  /** Store id of the key (`key_…`). */
  id: string;
  /** The full key, shown to its owner once and never stored. */
  plaintext: string;
  secretHash: string;
}

export interface PresentedKey {
  /** Store id the key claims. */
  id: string;
  secret: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function issueKey(): IssuedKey {
  const keyPart = randomBase32(12);
  const secret = randomBytes(32).toString('base64url');
  return { id: `${ID_PREFIX.ApiKey}_${keyPart}`, plaintext: `wdn_${keyPart}_${secret}`, secretHash: hashSecret(secret) };
}

/**
 * Splits a presented key into the id it claims and its secret. A key not in Warden's format can only be
 * the configured admin key, so it is checked against that.
 */
export function parseKey(presented: string): PresentedKey {
  const match = KEY_PATTERN.exec(presented);
  if (match) return { id: `${ID_PREFIX.ApiKey}_${match[1]}`, secret: match[2] as string };
  return { id: CONFIGURED_ADMIN_KEY_ID, secret: presented };
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Pulls the key from `Authorization: Bearer …` or `X-API-Key`. */
export function keyFromHeaders(headers: {
  authorization?: string | undefined;
  'x-api-key'?: string | string[] | undefined;
}): string | undefined {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  const header = headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() || undefined;
}

import { hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** HKDF `info` for the derived key: changing it changes every pseudonym. */
const HKDF_INFO = 'warden audit pseudonym v1';

/**
 * The key audit pseudonyms are made with (32 bytes):
 * - WARDEN_AUDIT_PSEUDONYM_KEY when set (set it to keep pseudonyms across a rotation of the secret key);
 * - otherwise derived from the secret key that seals credentials, found as `loadSecretBox` finds it:
 *   WARDEN_SECRET_KEY, or `<data dir>/secret.key`.
 *
 * Call it after `loadSecretBox`, which creates the key file on a first start. Replicas sharing a
 * PostgreSQL store share WARDEN_SECRET_KEY (config requires it), so they derive the same key.
 */
export async function loadPseudonymKey(options: {
  pseudonymKey: string | undefined;
  secretKey: string | undefined;
  keyFile: string;
}): Promise<Buffer> {
  if (options.pseudonymKey) return Buffer.from(options.pseudonymKey, 'base64');
  const secretKey = options.secretKey ?? (await readFile(options.keyFile, 'utf8')).trim();
  return derivePseudonymKey(Buffer.from(secretKey, 'base64'));
}

/**
 * HKDF-SHA256 over the secret key, with no salt and its own `info`: the two keys are independent, so
 * pseudonyms tell nothing about the key that seals credentials. Rotating the secret key changes every
 * pseudonym (older events keep the old ones); WARDEN_AUDIT_PSEUDONYM_KEY avoids that.
 */
export function derivePseudonymKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), HKDF_INFO, 32));
}

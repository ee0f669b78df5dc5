import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SecretBox } from './secret-box.js';

/**
 * The key that seals credentials: WARDEN_SECRET_KEY when set; otherwise (embedded store only) a key
 * generated once into `<data dir>/secret.key`, readable by this user alone.
 */
export async function loadSecretBox(options: {
  secretKey: string | undefined;
  previousKeys: readonly string[];
  keyFile: string;
}): Promise<{ box: SecretBox; generated: boolean }> {
  const previous = options.previousKeys.map((k) => Buffer.from(k, 'base64'));
  if (options.secretKey) return { box: new SecretBox(Buffer.from(options.secretKey, 'base64'), previous), generated: false };
  try {
    const stored = Buffer.from((await readFile(options.keyFile, 'utf8')).trim(), 'base64');
    return { box: new SecretBox(stored, previous), generated: false };
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(dirname(options.keyFile), { recursive: true, mode: 0o700 });
  await writeFile(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { box: new SecretBox(key, previous), generated: true };
}

import { CONFIGURED_ADMIN_KEY_ID, hashSecret, issueKey } from '../auth/api-key.js';
import { newId } from '../ids.js';
import type { Store } from '../store/open-store.js';

export interface BootstrapResult {
  adminId: string;
  /** A newly generated admin key, to be shown once; undefined when none was generated. */
  generatedKey: string | undefined;
}

/**
 * Makes sure the store has an admin who can get in:
 * - WARDEN_ADMIN_KEY set: that key works for the admin (its hash is stored; changing the variable
 *   replaces it; unsetting it later turns it off).
 * - otherwise, on first start (no working admin key), a key is generated and returned to be printed once.
 */
export async function ensureAdmin(store: Store, configuredKey: string | undefined, now = new Date()): Promise<BootstrapResult> {
  return store.transaction(
    async (repos) => {
      const admin =
        (await repos.agents.findFirstActiveAdmin()) ??
        (await repos.agents.insert({
          id: newId('Agent'),
          name: 'admin',
          description: 'Created at first start.',
          role: 'ADMIN',
          status: 'ACTIVE',
          revokedAt: null,
        }));
      if (configuredKey) {
        await repos.apiKeys.upsert({
          id: CONFIGURED_ADMIN_KEY_ID,
          agentId: admin.id,
          secretHash: hashSecret(configuredKey),
          label: 'WARDEN_ADMIN_KEY',
        });
        return { adminId: admin.id, generatedKey: undefined };
      }
      await repos.apiKeys.revoke(CONFIGURED_ADMIN_KEY_ID, now);
      if ((await repos.apiKeys.countActiveForAgent(admin.id)) > 0) return { adminId: admin.id, generatedKey: undefined };
      const issued = issueKey();
      await repos.apiKeys.insert({ id: issued.id, agentId: admin.id, secretHash: issued.secretHash, label: 'generated at start' });
      return { adminId: admin.id, generatedKey: issued.plaintext };
    },
    { lock: 'warden:bootstrap' },
  );
}

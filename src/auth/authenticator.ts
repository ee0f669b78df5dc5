import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import type { ApiKeyRepository } from '../store/repositories/api-key-repository.js';
import { parseKey, secretMatches } from './api-key.js';
import { ANONYMOUS, type Principal } from './principal.js';

/** How often, at most, a key's last-used time is written back to the store. */
const TOUCH_INTERVAL_MS = 60_000;

export const INVALID_KEY_MESSAGE =
  'The API key is not valid: it is unknown, revoked or expired. Send a current key as "Authorization: Bearer <key>".';

/** Turns a presented API key into a Principal, or refuses it. */
export class Authenticator {
  readonly #lastTouched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** No key → anonymous. A key that does not check out → UNAUTHENTICATED, whatever the reason. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (presented === undefined) return ANONYMOUS;
    const { id, secret } = parseKey(presented);
    const key = await this.keys.findWithAgent(id);
    const now = this.now();
    const valid =
      key !== undefined &&
      // Compare before looking at anything else, so every refusal costs the same.
      secretMatches(secret, key.secret_hash) &&
      key.revoked_at === null &&
      (key.expires_at === null || key.expires_at > now) &&
      key.agent_status === 'ACTIVE';
    if (!valid) throw new AppError(ErrorCode.UNAUTHENTICATED, INVALID_KEY_MESSAGE);
    this.touch(key.id, now);
    return { kind: 'agent', agentId: key.agent_id, keyId: key.id, name: key.agent_name, role: key.agent_role };
  }

  private touch(keyId: string, now: Date): void {
    const last = this.#lastTouched.get(keyId) ?? 0;
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.#lastTouched.set(keyId, now.getTime());
    this.keys.touch(keyId, now).catch((error: unknown) => {
      this.log.warn({ err: error, keyId }, 'could not record API key use');
    });
  }
}

import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import type { ApiKeyRepository, KeyWithAgent } from '../store/repositories/api-key-repository.js';
import { TtlCache } from '../cache/ttl-cache.js';
import { hashSecret, parseKey, secretMatches } from './api-key.js';
import { ANONYMOUS, type Principal } from './principal.js';

/** How often, at most, a key's last-used time is written back to the store. */
const TOUCH_INTERVAL_MS = 60_000;

/** Key ids per store query when open connections are re-verified. */
const REVERIFY_BATCH = 500;

export const INVALID_KEY_MESSAGE =
  'The API key is not valid: it is unknown, revoked or expired. Send a current key as "Authorization: Bearer <key>".';

/** Turns a presented API key into a Principal, or refuses it. */
export class Authenticator {
  readonly #lastTouched = new Map<string, number>();
  /** Keys that checked out recently, by the SHA-256 of the whole key (never the key itself). */
  readonly #recent = new TtlCache<string, { principal: Principal & { kind: 'agent' }; expiresAt: Date | null }>(10_000);

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Forgets what it knew of an agent's keys: call on every revocation, so it takes effect at once. */
  forgetAgent(agentId: string): void {
    this.#recent.invalidate((_, entry) => entry.principal.agentId === agentId);
  }

  /** No key → anonymous. A key that does not check out → UNAUTHENTICATED, whatever the reason. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (presented === undefined) return ANONYMOUS;
    return (await this.verify(presented)).principal;
  }

  /** A key's principal and when the key expires (null: never); UNAUTHENTICATED when it does not check out. */
  async verify(presented: string): Promise<{ principal: Principal & { kind: 'agent' }; expiresAt: Date | null }> {
    const digest = hashSecret(presented);
    const known = this.#recent.get(digest);
    if (known && (known.expiresAt === null || known.expiresAt > this.now())) {
      this.touch(known.principal.keyId, this.now());
      return known;
    }
    const { id, secret } = parseKey(presented);
    const key = await this.keys.findWithAgent(id);
    const now = this.now();
    const valid =
      key !== undefined &&
      // Compare before looking at anything else, so every refusal costs the same.
      secretMatches(secret, key.secret_hash) &&
      usable(key, now);
    if (!valid) throw new AppError(ErrorCode.UNAUTHENTICATED, INVALID_KEY_MESSAGE);
    this.touch(key.id, now);
    const principal = { kind: 'agent' as const, agentId: key.agent_id, keyId: key.id, name: key.agent_name, role: key.agent_role };
    const entry = { principal, expiresAt: key.expires_at };
    this.#recent.set(digest, entry);
    return entry;
  }

  /**
   * Of these keys (by id), the ones that are still good: neither revoked nor expired, of an active agent.
   * Always read from the store, never from what was cached, so a revocation made anywhere is seen by
   * the time this returns. Asks in batches of `REVERIFY_BATCH` ids, one query each, one after another.
   * Keys found no longer good are forgotten here too. Store errors are thrown, and nothing is forgotten.
   */
  async stillValid(keyIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(keyIds)];
    const found: KeyWithAgent[] = [];
    for (let i = 0; i < ids.length; i += REVERIFY_BATCH) found.push(...(await this.keys.findManyWithAgent(ids.slice(i, i + REVERIFY_BATCH))));
    const now = this.now();
    const valid = new Set(found.filter((key) => usable(key, now)).map((key) => key.id));
    const gone = new Set(ids.filter((id) => !valid.has(id)));
    if (gone.size > 0) this.#recent.invalidate((_, entry) => gone.has(entry.principal.keyId));
    return valid;
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

/** Whether a key the store holds may be used at `now` (its secret aside). */
function usable(key: KeyWithAgent, now: Date): boolean {
  return key.revoked_at === null && (key.expires_at === null || key.expires_at > now) && key.agent_status === 'ACTIVE';
}

import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import type { ApiKeyRepository, KeyWithAgent } from '../store/repositories/api-key-repository.js';
import { hashSecret, parseKey, secretMatches } from './api-key.js';
import { ANONYMOUS, type Principal } from './principal.js';

/** How often, at most, a key's last-used time is written back to the store. */
const TOUCH_INTERVAL_MS = 60_000;

/** Key ids per store query when open connections are re-verified. */
const REVERIFY_BATCH = 500;

export const INVALID_KEY_MESSAGE =
  'The API key is not valid: it is unknown, revoked or expired. Send a current key as "Authorization: Bearer <key>".';

/** A key that checked out: whose it is, and when it expires (null: never). */
export interface VerifiedKey {
  principal: Principal & { kind: 'agent' };
  expiresAt: Date | null;
}

/** Turns a presented API key into a Principal, or refuses it. */
export class Authenticator {
  readonly #lastTouched = new Map<string, number>();
  /**
   * Keys that checked out recently, by the SHA-256 of the whole key (never the key itself), for 10 s: long
   * enough to spare the store on every request, short enough that a revocation made on another replica
   * is seen soon even if its invalidation message is lost.
   */
  readonly #recent = new LRUCache<string, VerifiedKey>({ max: 10_000, ttl: 10_000 });

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Forgets what it knew of an agent's keys: call on every revocation, so it takes effect at once. */
  forgetAgent(agentId: string): void {
    this.#forgetWhere((entry) => entry.principal.agentId === agentId);
  }

  /** No key → anonymous. A key that does not check out → UNAUTHENTICATED, whatever the reason. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (presented === undefined) return ANONYMOUS;
    return (await this.verify(presented)).principal;
  }

  /** A key's principal and when the key expires (null: never); UNAUTHENTICATED when it does not check out. */
  async verify(presented: string): Promise<VerifiedKey> {
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
      secretMatches(secret, key.secretHash) &&
      usable(key, now);
    if (!valid) throw new AppError(ErrorCode.UNAUTHENTICATED, INVALID_KEY_MESSAGE);
    this.touch(key.id, now);
    const principal = { kind: 'agent' as const, agentId: key.agentId, keyId: key.id, name: key.agentName, role: key.agentRole };
    const entry = { principal, expiresAt: key.expiresAt };
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
    if (gone.size > 0) this.#forgetWhere((entry) => gone.has(entry.principal.keyId));
    return valid;
  }

  #forgetWhere(match: (entry: VerifiedKey) => boolean): void {
    // Collected first: the cache is not changed while it is walked.
    const doomed = [...this.#recent.entries()].filter(([, entry]) => match(entry));
    for (const [digest] of doomed) this.#recent.delete(digest);
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
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now) && key.agentStatus === 'ACTIVE';
}

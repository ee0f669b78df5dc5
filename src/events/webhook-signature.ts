import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe-style: `warden-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where
 * the HMAC key is the webhook's secret (the whole `whsec_…` string, UTF-8) and the message is
 * `<t>.<raw body>`. Binding the timestamp into the MAC lets a receiver refuse an old request replayed
 * by someone who captured it; the delivery id in the body lets it drop a genuine retry it already took.
 */
export const SIGNATURE_HEADER = 'warden-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: `whsec_` and 32 random bytes, base64url. Shown once, then only sealed. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The `warden-signature` header value for a body sent at `now`. */
export function signWebhookPayload(secret: string, rawBody: string | Buffer, now: Date = new Date()): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

export interface VerifyOptions {
  /** How far the signed timestamp may be from `now`, either way (default 300 s). */
  toleranceSeconds?: number;
  now?: Date;
}

/**
 * For receivers: true only when `header` carries a v1 signature of exactly `rawBody` (the bytes as
 * received, before any JSON parsing) made with `secret`, at a timestamp within the tolerance of now.
 * Compares in constant time. Several v1 entries are accepted (any one may match).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Buffer,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = new Date() }: VerifyOptions = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  let matched = false;
  // Check every entry, so the time taken does not say which one matched.
  for (const signature of signatures) {
    if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) matched = true;
  }
  return matched;
}

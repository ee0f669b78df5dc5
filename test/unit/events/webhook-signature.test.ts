import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhookPayload, webhookSigner } from '../../../src/events/webhook-signature.js';

const body = '{"id":"whd_1","type":"AUDIT_EVENT","createdAt":"2025-01-01T00:00:00.000Z","data":{"agentId":"agt_1"}}';

/** What a receiver does with the `standardwebhooks` package: the parsed body, or the library's refusal. */
function receive(secret: string, headers: Record<string, string>, raw: string | Buffer): unknown {
  return new Webhook(secret).verify(raw, headers);
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as Error).message;
  }
  throw new Error('verified, but should not have');
}

describe('webhook signatures (Standard Webhooks)', () => {
  it('are verified by the standardwebhooks package as a receiver uses it, with the secret as it was shown', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhookPayload(secret, 'whd_1', body);
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe('whd_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Number(headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(receive(secret, headers, body)).toEqual(JSON.parse(body));
    expect(receive(secret, headers, Buffer.from(body))).toEqual(JSON.parse(body));
  });

  it('are refused for another secret, a changed body, another message id, or missing headers', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhookPayload(secret, 'whd_1', body);
    expect(refusal(() => receive(generateWebhookSecret(), headers, body))).toBe('No matching signature found');
    expect(refusal(() => receive(secret, headers, body.replace('AUDIT_EVENT', 'QUERY_DENIED')))).toBe('No matching signature found');
    expect(refusal(() => receive(secret, { ...headers, 'webhook-id': 'whd_2' }, body))).toBe('No matching signature found');
    const { 'webhook-signature': _, ...unsigned } = headers;
    expect(refusal(() => receive(secret, unsigned, body))).toBe('Missing required headers');
  });

  it('carry the time they were signed, so a receiver refuses an old one replayed', () => {
    const secret = generateWebhookSecret();
    const old = signWebhookPayload(secret, 'whd_1', body, new Date(Date.now() - 10 * 60_000));
    expect(refusal(() => receive(secret, old, body))).toBe('Message timestamp too old');
    // Its timestamp moved to now, the signature no longer fits.
    expect(refusal(() => receive(secret, { ...old, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }, body))).toBe('No matching signature found');
  });

  it('over a body given in pieces equal the signature over the whole body', () => {
    const secret = generateWebhookSecret();
    const at = new Date();
    const signer = webhookSigner(secret, 'exd_1', at);
    for (const piece of [body.slice(0, 10), Buffer.from(body.slice(10, 50)), body.slice(50)]) signer.update(piece);
    const headers = signer.headers();
    expect(headers).toEqual(signWebhookPayload(secret, 'exd_1', body, at));
    expect(receive(secret, headers, body)).toEqual(JSON.parse(body));
  });

  it('are made with 32 random bytes, written as the standard libraries read a secret', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('sign with the same key for a secret made before this format (base64url), which a receiver writes in base64', () => {
    const bytes = randomBytes(32);
    // Ensure the old alphabet shows: a leading byte 0xfb encodes as "-" in base64url.
    bytes[0] = 0xfb;
    const earlier = `whsec_${bytes.toString('base64url')}`;
    const headers = signWebhookPayload(earlier, 'whd_1', body);
    const rewritten = `whsec_${earlier.slice(6).replaceAll('-', '+').replaceAll('_', '/')}`;
    expect(receive(rewritten, headers, body)).toEqual(JSON.parse(body));
    expect(rewritten).toBe(`whsec_${bytes.toString('base64').replace(/=+$/, '')}`);
  });
});

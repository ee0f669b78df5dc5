import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhookPayload, verifyWebhookSignature } from '../../../src/events/webhook-signature.js';

const secret = 'whsec_test-secret';
const body = '{"id":"whd_1","type":"AUDIT_EVENT","createdAt":"2025-01-01T00:00:00.000Z","data":{}}';
const at = new Date('2025-01-01T00:00:00Z');

describe('webhook signatures', () => {
  it('signs `<t>.<raw body>` with HMAC-SHA256 of the secret, as t=<unix seconds>,v1=<hex>', () => {
    const header = signWebhookPayload(secret, body, at);
    const t = Math.floor(at.getTime() / 1000);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  });

  it('verifies a fresh signature of the exact body, as a string or as bytes', () => {
    const header = signWebhookPayload(secret, body, at);
    expect(verifyWebhookSignature(secret, header, body, { now: at })).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body), { now: new Date(at.getTime() + 299_000) })).toBe(true);
  });

  it('refuses another secret, a changed body, and a missing or malformed header', () => {
    const header = signWebhookPayload(secret, body, at);
    expect(verifyWebhookSignature('whsec_other', header, body, { now: at })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body.replace('AUDIT_EVENT', 'QUERY_DENIED'), { now: at })).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body, { now: at })).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=abc', body, { now: at })).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(/v1=[0-9a-f]+/, 'v1=zz'), body, { now: at })).toBe(false);
    expect(verifyWebhookSignature(secret, header.split(',')[0], body, { now: at })).toBe(false);
  });

  it('refuses a replay once the timestamp is older (or newer) than the tolerance', () => {
    const header = signWebhookPayload(secret, body, at);
    expect(verifyWebhookSignature(secret, header, body, { now: new Date(at.getTime() + 301_000) })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { now: new Date(at.getTime() - 301_000) })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { now: new Date(at.getTime() + 20_000), toleranceSeconds: 10 })).toBe(false);
  });

  it('refuses a valid signature moved onto another timestamp', () => {
    const header = signWebhookPayload(secret, body, at);
    const later = header.replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) + 1}`);
    expect(verifyWebhookSignature(secret, later, body, { now: at })).toBe(false);
  });

  it('accepts any one of several v1 signatures (a receiver mid secret rotation)', () => {
    const good = signWebhookPayload(secret, body, at);
    const t = good.split(',')[0];
    const v1 = good.split(',')[1];
    expect(verifyWebhookSignature(secret, `${t},v1=${'0'.repeat(64)},${v1}`, body, { now: at })).toBe(true);
  });

  it('generates whsec_ secrets of 32 random bytes, base64url', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), 'base64url')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
